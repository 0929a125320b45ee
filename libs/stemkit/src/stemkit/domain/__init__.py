"""Domain rules every service reads alike: places through time, calendars, UiT ids, rich text."""
