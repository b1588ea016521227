DROP FUNCTION iot_prepare_partitions(INTEGER, INTEGER);
DROP TABLE device_commands, device_events, reading_rollup_progress, reading_rollup_dirty, reading_hours,
    reading_minutes, device_latest, readings, devices;
DROP FUNCTION app_is_system();
