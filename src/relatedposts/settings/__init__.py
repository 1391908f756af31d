"""The settings of each component, one frozen dataclass per module; config.Settings joins them.

Every field is declared with settingspec.setting (default, help, and the values it accepts);
its variable is RELATEDPOSTS_<NAME>, and the fields of one component share a prefix or a
theme, so `relatedposts settings` and the README table list them by component.
"""
