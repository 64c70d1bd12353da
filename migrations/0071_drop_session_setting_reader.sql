-- beamline_internal.jsonschema_setting_int read document limits from session settings, which a
-- caller can preset (issue 11). The limits now come from the owner-only
-- beamline_internal.settings (migration 0050) and nothing calls this function any more.
-- depends: 0070_jsonschema_prepared
drop function if exists beamline_internal.jsonschema_setting_int(text, text);
