use super::*;

#[test]
fn the_reference_profile_matches_the_reference_wording() {
    let p = Profile::reference();
    assert_eq!(p.framing, Framing::Line);
    assert_eq!(
        p.join.as_ref().unwrap().render("ana", ""),
        chat_protocol::wording::join_line("ana")
    );
    let caps = p.chat.captures("ana: hola: qué tal").unwrap();
    assert_eq!(caps.user, Some("ana"));
    assert_eq!(caps.text, Some("hola: qué tal"));
    assert_eq!(p.welcome.len(), 1);
}

#[test]
fn a_full_profile_parses() {
    let p = Profile::parse(
        "x.toml",
        r#"
        framing = "chunk"
        quit = "/quit {user}"
        echo = true
        announce_self = true
        send = "{user}: {text}"
        join = "*** {user} joined"
        leave = "*** {user} left"
        chat = "[{user}] {text}"
        prompt = "NICK"
        ignore = ["Bienvenido.*"]
        strip_ansi = true
        skip = [{ id = "leave.*", reason = "no leaves in this assignment" }]
        "#,
    )
    .unwrap();
    assert_eq!(p.framing, Framing::Chunk);
    assert_eq!(p.quit.as_ref().unwrap().render("ana", ""), "/quit ana");
    assert_eq!(p.send.render("ana", "hola"), "ana: hola");
    assert_eq!(p.chat.captures("[ana] hi").unwrap().user, Some("ana"));
    assert!(p.ignore[0].is_match("Bienvenido, ana"));
    assert!(!p.ignore[0].is_match("¡Bienvenido!"));
    assert_eq!(
        p.skip_rule("leave.rst", "LEAVE-2").unwrap().reason,
        "no leaves in this assignment"
    );
    assert!(p.skip_rule("join.single", "JOIN-2").is_none());
    assert_eq!(p.pace_ms, 40);
}

#[test]
fn bad_profiles_name_the_key_and_the_problem() {
    let cases = [
        ("framing = \"lines\"", "framing"),
        ("chat = \"{user} says\"", "chat` : must contain {text}"),
        (
            "join = \"{usr} joined\"",
            "join` : unknown placeholder {usr}",
        ),
        ("ignore = [\"(\"]", "ignore` : bad regex"),
        // Found by fuzzing: balanced only with the anchoring group around it.
        ("ignore = [\"a)|(b\"]", "ignore` : bad regex `a)|(b`"),
        ("colour = true", "unknown field `colour`"),
        (
            "skip = [{ id = \"x\", reason = \"\" }]",
            "skip` : entry `x` needs a `reason`",
        ),
        ("join = \"{user\"", "join` : a `{` is never closed"),
        (
            "chat = \"{user}{text}\"",
            "chat` : two placeholders need literal text",
        ),
    ];
    for (text, expected) in cases {
        let err = Profile::parse("p.toml", text).unwrap_err().to_string();
        let expected = expected.replace("` : ", "`: ");
        assert!(
            err.contains(&expected),
            "{text:?}: got {err:?}, want {expected:?}"
        );
    }
}

#[test]
fn unknown_built_in_names_are_reported() {
    let err = Profile::load("refrence").unwrap_err().to_string();
    assert!(err.contains("unknown profile `refrence`"), "{err}");
    let err = Profile::load("missing/profile.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot read profile missing/profile.toml"),
        "{err}"
    );
}

#[test]
fn wildcards() {
    assert!(wildcard_match("leave.*", "leave.rst"));
    assert!(wildcard_match("*", "anything"));
    assert!(wildcard_match("*.rst*", "leave.rst_mid_line"));
    assert!(!wildcard_match("leave.*", "join.single"));
    assert!(wildcard_match("join.single", "join.single"));
    assert!(!wildcard_match("a*b*c", "acb"));
}

/// Found by fuzzing (regression): a template too long to compile used to panic
/// (`CompiledTooBig`); it is an error that names the key.
#[test]
fn an_enormous_template_is_an_error_not_a_panic() {
    let text = format!("chat = \"{} {{user}}: {{text}}\"", "x".repeat(10_000));
    let err = Profile::parse("p.toml", &text).unwrap_err().to_string();
    assert!(err.contains("key `chat`: longer than 4096 bytes"), "{err}");
    let at_limit = format!("{{user}}: {{text}}{}", "x".repeat(4096 - 14));
    assert!(Template::parse(&at_limit, &["user", "text"]).is_ok());
}

#[test]
fn a_skip_rule_names_a_test_a_pattern_a_group_or_a_requirement() {
    let rule = |id: &str| SkipRule {
        id: id.to_string(),
        reason: "r".to_string(),
    };
    assert!(rule("slow.consumer").matches("slow.consumer", "SLOW-1"));
    assert!(rule("slow.*").matches("slow.consumer", "SLOW-1"));
    assert!(rule("slow").matches("slow.consumer", "SLOW-1"));
    assert!(rule("SLOW-1").matches("slow.consumer", "SLOW-1"));
    assert!(!rule("SLOW-1").matches("scale.many_users", "SCALE-1"));
    assert!(!rule("slo").matches("slow.consumer", "SLOW-1"));
    assert!(!rule("slow.consumer").matches("slow.consumer_two", "SLOW-1"));
}

#[test]
fn dialect_keys_parse_welcome_lists_echo_wording_and_farewells() {
    let p = Profile::parse(
        "d.toml",
        r#"
        welcome = ["~ Conectado como {user}", "~ Para salir escribe salir"]
        echo = "Tú: {text}"
        farewell = "Adiós {user}"
        leave_to_self = true
        "#,
    )
    .unwrap();
    assert_eq!(p.welcome.len(), 2);
    assert!(p.echo);
    assert_eq!(
        p.own_echo.as_ref().unwrap().render("ana", "hola"),
        "Tú: hola"
    );
    assert_eq!(p.farewell.as_ref().unwrap().render("ana", ""), "Adiós ana");
    assert!(p.leave_to_self);
    // A single welcome string stays valid; `echo = false` has no own wording.
    let plain = Profile::parse("p.toml", "welcome = \"Hola {user}\"\necho = false").unwrap();
    assert_eq!(plain.welcome.len(), 1);
    assert!(!plain.echo && plain.own_echo.is_none());
}

#[test]
fn bad_dialect_keys_are_named() {
    let err = |toml: &str| Profile::parse("d.toml", toml).unwrap_err().to_string();
    assert!(
        err("welcome = [\"Hola\", \"\"]").contains("key `welcome`: a line of the list is empty")
    );
    assert!(err("echo = \"Tú dijiste algo\"").contains("key `echo`: must contain {text}"));
    assert!(err("farewell = \"Adiós {text}\"").contains("key `farewell`"));
    assert!(err("echo = 3").contains("profile d.toml"));
}

#[test]
fn join_and_leave_may_be_declared_absent_and_their_requirements_are_then_not_checked() {
    let p = Profile::parse("x.toml", "join = \"\"\nleave = \"\"\n").unwrap();
    assert!(p.join.is_none() && p.leave.is_none());
    for requirement in ["JOIN-2", "JOIN-3", "LEAVE-1", "LEAVE-2"] {
        let reason = p.not_in_assignment(requirement).unwrap();
        assert!(
            reason.starts_with("not part of this assignment (profile: "),
            "{reason}"
        );
    }
    assert!(
        p.not_in_assignment("JOIN-2")
            .unwrap()
            .contains("join = \"\"")
    );
    assert!(
        p.not_in_assignment("LEAVE-1")
            .unwrap()
            .contains("leave = \"\"")
    );
    for kept in ["JOIN-1", "JOIN-4", "LEAVE-3", "CLEAN-1", "CHAT-1"] {
        assert_eq!(p.not_in_assignment(kept), None, "{kept}");
    }
    // Only the absent one is relaxed; the reference relaxes nothing.
    let only_leave = Profile::parse("x.toml", "leave = \"\"\n").unwrap();
    assert_eq!(only_leave.not_in_assignment("JOIN-2"), None);
    assert_eq!(Profile::reference().not_in_assignment("LEAVE-2"), None);
    // A line that the profile says never comes cannot also be sent to oneself.
    for (text, key) in [
        ("join = \"\"\nannounce_self = true", "announce_self"),
        ("leave = \"\"\nleave_to_self = true", "leave_to_self"),
    ] {
        let e = Profile::parse("x.toml", text).unwrap_err().to_string();
        assert!(e.contains(&format!("key `{key}`")), "{e}");
    }
}

#[test]
fn the_client_table_has_its_own_keys_and_defaults() {
    let p = Profile::reference();
    assert_eq!(p.client.framing, Framing::Line);
    assert_eq!(p.client.quit.as_deref(), Some("salir"));
    assert!(p.client.before_name.is_empty());

    let p = Profile::parse(
        "c.toml",
        "quit = \"chao\"\n[client]\nframing = \"chunk\"\nbefore_name = [\"{host}\", \"{port}\"]\n",
    )
    .unwrap();
    assert_eq!(p.framing, Framing::Line, "the server's framing is its own");
    assert_eq!(p.client.framing, Framing::Chunk);
    assert_eq!(
        p.client.quit.as_deref(),
        Some("chao"),
        "the top-level quit word"
    );
    assert_eq!(p.client.before_name("127.0.0.1", 9), ["127.0.0.1", "9"]);

    let none = Profile::parse("c.toml", "[client]\nquit = \"\"\n").unwrap();
    assert_eq!(none.client.quit, None);
}

#[test]
fn a_bad_client_key_is_named() {
    let err = Profile::parse("c.toml", "[client]\nframng = \"line\"\n").unwrap_err();
    assert!(err.to_string().contains("framng"), "{err}");
    let err = Profile::parse("c.toml", "[client]\nbefore_name = [\"{user}\"]\n").unwrap_err();
    assert!(err.to_string().contains("client.before_name"), "{err}");
}
