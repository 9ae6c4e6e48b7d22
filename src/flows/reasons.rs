//! The case-status API's canonical reason codes, by cause (`case-api.md`). Each cause flow has
//! an entry node per code, named after the code in lower case (`PHOTO_GLARE` → `photo_glare`),
//! so a case rejected for a code leads straight to the remedy for that code.

pub const REASON_CODES: &[(&str, &[&str])] = &[
    (
        "info_mismatch",
        &[
            "NAME_MISMATCH",
            "ID_NUMBER_MISMATCH",
            "DOB_MISMATCH",
            "PHONE_NOT_OWNED",
            "RECORD_NOT_FOUND",
            "RARE_CHARACTER_NAME",
        ],
    ),
    ("network", &["UPLOAD_INTERRUPTED", "STREAM_INTERRUPTED"]),
    (
        "photo_quality",
        &[
            "PHOTO_BLURRY",
            "PHOTO_GLARE",
            "PHOTO_TOO_DARK",
            "PHOTO_CUT_OFF",
            "PHOTO_OBSCURED",
            "SIDE_MISSING",
            "WRONG_SIDE",
            "NOT_ORIGINAL",
            "BLACK_AND_WHITE",
            "LOW_RESOLUTION",
        ],
    ),
    (
        "maintenance",
        &["SERVICE_UNAVAILABLE", "AUTHORITY_SOURCE_UNAVAILABLE"],
    ),
    (
        "prior_violation",
        &["RISK_CONTROL_REFUSAL", "BLOCKLISTED", "WATCHLIST_MATCH"],
    ),
    (
        "document_expired",
        &[
            "DOCUMENT_EXPIRED",
            "DOCUMENT_EXPIRING_SOON",
            "DOCUMENT_CANCELLED",
        ],
    ),
    (
        "face_liveness",
        &[
            "FACE_MISMATCH",
            "FACE_NOT_VISIBLE",
            "LIVENESS_FAILED",
            "SPOOF_SUSPECTED",
        ],
    ),
    (
        "video_device",
        &[
            "CAMERA_PERMISSION_DENIED",
            "CAMERA_UNAVAILABLE",
            "MICROPHONE_UNAVAILABLE",
            "DEVICE_UNSUPPORTED",
            "ENVIRONMENT_UNSUITABLE",
        ],
    ),
    (
        "sms_code",
        &[
            "SMS_NOT_RECEIVED",
            "SMS_CODE_INVALID",
            "SMS_CODE_EXPIRED",
            "SMS_RATE_LIMITED",
        ],
    ),
    (
        "unsupported_document",
        &[
            "DOCUMENT_TYPE_UNSUPPORTED",
            "DOCUMENT_DAMAGED",
            "DIGITAL_DOCUMENT",
            "DOCUMENT_NOT_AT_HAND",
        ],
    ),
    (
        "duplicate_account",
        &["DUPLICATE_IDENTITY", "FACE_SEEN_BEFORE"],
    ),
    ("underage", &["UNDERAGE"]),
    (
        "other",
        &[
            "TAMPERING_SUSPECTED",
            "REGION_NOT_SUPPORTED",
            "MANUAL_REJECTION",
            "UNKNOWN",
        ],
    ),
];

/// The codes of one cause.
pub fn codes_of(cause: &str) -> &'static [&'static str] {
    REASON_CODES
        .iter()
        .find(|(c, _)| *c == cause)
        .map(|(_, codes)| *codes)
        .unwrap_or(&[])
}

/// The node a reason code enters: its code in lower case.
pub fn entry_node(code: &str) -> String {
    code.to_ascii_lowercase()
}
