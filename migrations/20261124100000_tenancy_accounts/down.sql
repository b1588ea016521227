DROP TABLE mail_outbox, login_attempts, email_tokens, sessions, account_events, audit_events, invitations;
DROP TRIGGER memberships_keep_an_owner ON memberships;
DROP FUNCTION memberships_keep_an_owner();
DROP TABLE memberships, tenants, users;
DROP FUNCTION app_tenant_id(), app_user_id(), app_is_operator(), app_invitation_hash();
REVOKE ALL ON server_instances FROM mostrador_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM mostrador_app;
REVOKE USAGE ON SCHEMA public FROM mostrador_app;
