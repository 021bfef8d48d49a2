//! `Profile::parse` on any text: a profile is either an error that names what is wrong or
//! a usable profile, never a panic; and a usable profile's templates match what they
//! render (the harness classifies its own users' messages with them).

#![no_main]

use std::sync::Arc;

use conformance::profile::Profile;
use conformance::wire::Roster;
use conformance::wire::{Classifier, Event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let Ok(profile) = Profile::parse("fuzz.toml", text) else {
        return;
    };
    let (user, said) = ("ana_qxkz", "hola, ¿qué tal?");
    for template in [&profile.join, &profile.leave, &profile.chat, &profile.send] {
        let message = template.render(user, said);
        assert!(
            template.captures(&message).is_some(),
            "{:?} does not match its own rendering {message:?}",
            template.source()
        );
    }
    // The classifier takes any message, including what the profile renders.
    let roster = Roster::default();
    roster.register(user, "ana");
    let classifier = Classifier::new(Arc::new(profile.clone()), roster);
    let chat = profile.chat.render(user, said);
    if let Some(Event::Chat { user: who, .. }) = classifier.classify(&chat) {
        assert!(!who.is_empty());
    }
    let _ = classifier.classify(text);
});
