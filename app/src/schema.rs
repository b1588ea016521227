// @generated automatically by Diesel CLI.

diesel::table! {
    account_events (id) {
        id -> Int8,
        user_id -> Int8,
        action -> Text,
        ip -> Text,
        detail -> Text,
        at -> Timestamptz,
        tenant_id -> Nullable<Int8>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        tenant_id -> Int8,
        actor_id -> Nullable<Int8>,
        action -> Text,
        detail -> Text,
        ip -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    device_commands (id) {
        id -> Int8,
        tenant_id -> Int8,
        device_id -> Int8,
        seq -> Int8,
        relay -> Nullable<Int2>,
        command -> Jsonb,
        requested_by -> Nullable<Int8>,
        status -> Text,
        attempts -> Int4,
        created_at -> Timestamptz,
        next_attempt_at -> Timestamptz,
        expires_at -> Timestamptz,
        done_at -> Nullable<Timestamptz>,
        relay_on -> Nullable<Bool>,
    }
}

diesel::table! {
    device_events (id) {
        id -> Int8,
        tenant_id -> Int8,
        device_id -> Int8,
        kind -> Text,
        at -> Timestamptz,
        detail -> Jsonb,
    }
}

diesel::table! {
    device_latest (device_id, kind, channel) {
        tenant_id -> Int8,
        device_id -> Int8,
        kind -> Int2,
        channel -> Int2,
        value -> Int4,
        at -> Timestamptz,
    }
}

diesel::table! {
    device_quarantine (id) {
        id -> Int8,
        tenant_id -> Int8,
        device_id -> Int8,
        seq -> Int8,
        payload -> Bytea,
        reason -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    devices (id) {
        id -> Int8,
        tenant_id -> Int8,
        uid -> Text,
        name -> Text,
        location -> Text,
        secret -> Nullable<Bytea>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        seq_upto -> Int8,
        seq_above -> Int8,
        command_seq -> Int8,
        last_seen_at -> Nullable<Timestamptz>,
        booted_at -> Nullable<Timestamptz>,
        firmware -> Nullable<Text>,
        rssi -> Nullable<Int2>,
        relay_count -> Int2,
        frames_ok -> Int8,
        frames_duplicate -> Int8,
        rejected_mac -> Int8,
        rejected_malformed -> Int8,
        rejected_values -> Int8,
        last_problem -> Nullable<Text>,
        last_problem_at -> Nullable<Timestamptz>,
        key_version -> Int8,
        changed_xid -> Int8,
        frames_quarantined -> Int8,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Int8,
        purpose -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Int8,
        tenant_id -> Int8,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Int8,
        kind -> Text,
        email -> Text,
        ip -> Text,
        succeeded -> Bool,
        at -> Timestamptz,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Int8,
        to_address -> Text,
        subject -> Text,
        body_text -> Text,
        created_at -> Timestamptz,
        send_after -> Timestamptz,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    memberships (id) {
        id -> Int8,
        tenant_id -> Int8,
        user_id -> Int8,
        role -> Text,
        display_name -> Text,
        phone -> Nullable<Text>,
        is_professional -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reading_hours (device_id, kind, channel, bucket) {
        tenant_id -> Int8,
        device_id -> Int8,
        kind -> Int2,
        channel -> Int2,
        bucket -> Timestamptz,
        n -> Int4,
        total -> Int8,
        min_value -> Int4,
        max_value -> Int4,
    }
}

diesel::table! {
    reading_minutes (device_id, kind, channel, bucket) {
        tenant_id -> Int8,
        device_id -> Int8,
        kind -> Int2,
        channel -> Int2,
        bucket -> Timestamptz,
        n -> Int4,
        total -> Int8,
        min_value -> Int4,
        max_value -> Int4,
    }
}

diesel::table! {
    reading_rollup_dirty (device_id, kind, channel, bucket) {
        device_id -> Int8,
        kind -> Int2,
        channel -> Int2,
        bucket -> Timestamptz,
    }
}

diesel::table! {
    reading_rollup_progress (id) {
        id -> Int2,
        minutes_until -> Timestamptz,
        hours_until -> Timestamptz,
    }
}

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

diesel::table! {
    sessions (id) {
        id -> Int8,
        token_hash -> Text,
        user_id -> Int8,
        current_tenant_id -> Nullable<Int8>,
        ip -> Text,
        user_agent -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sign_up_requests (token_hash) {
        token_hash -> Text,
        email -> Text,
        password_hash -> Text,
        display_name -> Text,
        business_name -> Text,
        rubro -> Text,
        cuit -> Text,
        iva_condition -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tenants (id) {
        id -> Int8,
        name -> Text,
        slug -> Text,
        rubro -> Text,
        cuit -> Nullable<Text>,
        iva_condition -> Text,
        time_zone -> Text,
        currency -> Text,
        suspended_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        last_activity_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        password_hash -> Text,
        display_name -> Text,
        email_verified_at -> Nullable<Timestamptz>,
        is_operator -> Bool,
        password_changed_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(account_events -> users (user_id));
diesel::joinable!(audit_events -> tenants (tenant_id));
diesel::joinable!(audit_events -> users (actor_id));
diesel::joinable!(device_commands -> users (requested_by));
diesel::joinable!(devices -> tenants (tenant_id));
diesel::joinable!(email_tokens -> users (user_id));
diesel::joinable!(invitations -> tenants (tenant_id));
diesel::joinable!(memberships -> tenants (tenant_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(sessions -> tenants (current_tenant_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    account_events,
    audit_events,
    device_commands,
    device_events,
    device_latest,
    device_quarantine,
    devices,
    email_tokens,
    invitations,
    login_attempts,
    mail_outbox,
    memberships,
    reading_hours,
    reading_minutes,
    reading_rollup_dirty,
    reading_rollup_progress,
    server_instances,
    sessions,
    sign_up_requests,
    tenants,
    users,
);
