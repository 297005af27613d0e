//! The committed header (`include/veil.h`) must be what cbindgen makes of the sources now:
//! a C host compiles against the header, so a stale one is a wrong ABI. `make header` (or
//! `VEIL_BLESS_HEADER=1 cargo test -p veil-ffi --test header`) rewrites it.

use std::path::Path;

#[test]
fn header_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("ffi/cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new().with_crate(dir).with_config(config).generate().expect("cbindgen generates the header").write(&mut generated);
    let path = dir.join("include/veil.h");
    if std::env::var_os("VEIL_BLESS_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/veil.h");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(committed == generated, "ffi/include/veil.h is stale (the C ABI changed): run `make header` and commit it");
}
