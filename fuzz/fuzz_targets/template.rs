//! `Template::parse`, `render` and `captures`: any template text either parses or is an
//! error; a parsed template matches anything it renders (for a non-empty user and texts
//! without a newline: messages are lines), and rendering what it captured gives the same
//! message back.
//!
//! Input: `template \0 user \0 text` (UTF-8).

#![no_main]

use conformance::profile::Template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(input) = std::str::from_utf8(input) else {
        return;
    };
    let mut parts = input.splitn(3, '\0');
    let source = parts.next().unwrap_or_default();
    let user = parts.next().unwrap_or("ana");
    let text = parts.next().unwrap_or("hola");
    let allowed: &[&str] = if source.contains("{reason}") {
        &["reason"]
    } else {
        &["user", "text"]
    };
    let Ok(template) = Template::parse(source, allowed) else {
        return;
    };
    if user.is_empty() || user.contains('\n') || text.contains('\n') {
        return;
    }
    let message = template.render(user, text);
    let caps = template
        .captures(&message)
        .unwrap_or_else(|| panic!("{source:?} does not match its rendering {message:?}"));
    let again = template.render(caps.user.unwrap_or_default(), caps.text.unwrap_or_default());
    assert_eq!(again, message);
});
