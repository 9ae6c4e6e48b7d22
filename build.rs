//! The flows, texts and web assets are compiled into the binary (`include_dir!`), which does not
//! tell cargo to rebuild when they change; this does.
fn main() {
    for dir in ["flows", "locales", "web"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
