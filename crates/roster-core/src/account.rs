//! Who may act on someone's account, which lives only on the server and is not a change of
//! the company's records: sending a password-reset link.

use crate::model::Member;
use crate::refusal::Refusal;
use crate::rights::Rights;

/// A Company Admin may send an active member a link to choose a new password; nobody ever
/// chooses another person's password. Call it with `None` before looking the member up, so a
/// caller without the right learns nothing about who exists, then with the member.
pub fn authorize_password_reset(rights: &Rights, target: Option<&Member>) -> Result<(), Refusal> {
    if !rights.is_company_admin() {
        return Err(Refusal::forbidden(
            "Only a Company Admin may send a password-reset link.",
        ));
    }
    let Some(target) = target else { return Ok(()) };
    if !target.is_active() {
        return Err(Refusal::invalid_state(format!(
            "{} is {}; only an active member can reset a password.",
            target.email, target.status
        )));
    }
    Ok(())
}
