"""The SDG Cities network: city onboarding, urban labs, regional hubs, partner instances.

UN-Habitat, *Normative and operational activities: flagship programmes*, Executive Board
2020 (second session), paras 77–79 and 95: participating cities are onboarded, set up
national or city-based urban labs, are backed by regional support hubs paid for through
subscriptions, and partner entities run their own SDG Cities programmes that report to
the global knowledge hub.
"""
