//! Event-line parsing: any bytes parse or are a counted drop, never a panic; what parses
//! serialises to a line that parses to the same event with no unknown field.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = veil::capture::parse_line_full(data) {
        let out = serde_json::to_string(&p.event).expect("events serialise");
        let again = veil::capture::parse_line(out.as_bytes()).expect("output parses");
        assert_eq!(again.event, p.event);
        assert_eq!(again.unknown_fields, 0);
    }
});
