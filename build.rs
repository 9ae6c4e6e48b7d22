//! The flows, texts and web assets are compiled into the binary (`include_dir!`), which does not
//! tell cargo to rebuild when they change; this does.
//!
//! Tests that need something a fresh machine does not have (a browser, root to mount a small
//! file system) are switched on by environment variables; this turns each into a cfg, so that the
//! tests show as ignored, never as passed, when their variable is not set.
fn main() {
    for dir in ["flows", "locales", "web"] {
        println!("cargo:rerun-if-changed={dir}");
    }
    for (variable, cfg) in [
        ("KYCDESK_BROWSER_TESTS", "kycdesk_browser_tests"),
        ("KYCDESK_ROOT_TESTS", "kycdesk_root_tests"),
    ] {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
        println!("cargo:rerun-if-env-changed={variable}");
        if std::env::var(variable).is_ok_and(|v| v == "1") {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}
