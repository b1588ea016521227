//! The tenancy pages: sign in and up, passwords, my account, the business, its members and
//! invitations, the audit log, the operator's businesses and the development mailbox.

mod account_page;
mod audit_page;
mod business_page;
mod dev_mail_page;
mod invitation_page;
mod login_page;
mod members_page;
mod operator_page;
mod password_pages;
mod sign_up_page;
mod user_menu;
mod viewer;

pub use account_page::AccountPage;
pub use audit_page::AuditPage;
pub use business_page::BusinessPage;
pub use dev_mail_page::DevMailPage;
pub use invitation_page::InvitationPage;
pub use login_page::LoginPage;
pub use members_page::MembersPage;
pub use operator_page::OperatorPage;
pub use password_pages::{ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage};
pub use sign_up_page::{ConfirmSignUpPage, SignUpPage, SignUpSentPage};
pub use user_menu::UserMenu;
pub use viewer::{ViewerContext, provide_viewer, use_viewer};
