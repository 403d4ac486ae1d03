//! The static cpanfile reader never panics, and whatever it reads renders to
//! a cpanfile that reads back to the same model (positions aside) and whose
//! requirements CPAN::Meta::Requirements accepts.
#![no_main]

use cpansec_meta::Cpanfile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(cpanfile) = Cpanfile::parse(&text) else {
        return;
    };
    let rendered = cpanfile.to_cpanfile_string();
    let again = match Cpanfile::parse(&rendered) {
        Ok(again) => again,
        Err(e) => panic!("rendering does not read back: {e}\n{rendered}"),
    };
    assert_eq!(
        again.without_locations(),
        cpanfile.without_locations(),
        "{rendered}"
    );
    if let Err(e) = cpanfile.to_meta_json() {
        panic!("a read file has an invalid requirement: {e}");
    }
});
