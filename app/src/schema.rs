// @generated automatically by Diesel CLI.

diesel::table! {
    server_instances (id) {
        id -> Text,
        hostname -> Text,
        version -> Text,
        broker_mode -> Text,
        started_at -> Timestamptz,
        last_seen_at -> Timestamptz,
    }
}
