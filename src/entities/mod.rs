//! Things found in what users type: resident ID numbers, mobile numbers, case ids, dates,
//! and the redaction that keeps personal numbers out of storage and logs.
//!
//! Parse, don't validate: [`ResidentId`] and [`MobileNumber`] can only hold valid numbers and print
//! masked through `Display` and `Debug`; the clear digits need an explicit `expose_clear()`.
//! [`find_entities`] scans free text, and [`redact`] is what may be stored or logged.

mod dates;
mod digit_runs;
mod find;
mod long_runs;
mod mask;
mod mobile;
mod normalize;
mod redact;
mod resident_id;

pub use find::{DEFAULT_CASE_ID_PATTERN, Entity, EntityKind, find_entities};
pub use mobile::{MobileError, MobileNumber};
pub use normalize::fold_width;
pub use redact::redact;
pub use resident_id::{ResidentId, ResidentIdError};
