//! One test of the catalogue: its stable id, level, PROTOCOL.md requirement, title, what it
//! does and what usually makes a server fail it, its time budget — and its body, together.
//!
//! A test is written where it is declared, the way h2spec and irctest do it:
//!
//! ```no_run
//! # use conformance::case::TestCase;
//! fn single() -> TestCase {
//!     TestCase::core("join.single", "JOIN-2", "a join is announced to the user already present")
//!         .steps("ana joins; beto joins; ana must receive beto's join line, and nothing else")
//!         .causes("the join is not broadcast")
//!         .run(|mut s| async move {
//!             let [mut ana, mut beto] = s.room(["ana", "beto"]).await?;
//!             s.sees_nothing(&mut beto, &mut [&mut ana], "after beto's join").await?;
//!             Ok(())
//!         })
//! }
//! ```
//!
//! A scenario file becomes a `TestCase` the same way, its body holding its own script.
//!
//! A test runs on a context: a server test on a [`Session`] (the default), a client test
//! (`conformance client`) on a [`ClientSession`](crate::client::ClientSession). The metadata
//! and the way a test is declared are the same for both.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::model::Level;
use crate::session::Session;
use crate::verdict::Outcome;

/// A running test.
pub type TestFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// What a test does with its context.
type Body<S> = Arc<dyn Fn(S) -> TestFuture + Send + Sync>;

/// The default budget of one test.
pub const BUDGET: Duration = Duration::from_secs(20);

/// One test of the catalogue, run on a context `S`: a [`Session`] for a server test.
pub struct TestCase<S = Session> {
    /// `group.name`, stable: reports, `--filter`, profiles' `skip` lists and teachers' CI
    /// depend on it.
    pub id: &'static str,
    /// Core (the assignment) or strict (the craft).
    pub level: Level,
    /// The PROTOCOL.md requirement it checks.
    pub requirement: &'static str,
    /// One line saying what must hold.
    pub title: &'static str,
    /// What the test does, step by step, for `--explain`.
    pub steps: Cow<'static, str>,
    /// What usually makes a server fail it, for `--explain`.
    pub causes: Cow<'static, str>,
    /// The whole test's time budget (before `--timeout-scale`).
    pub budget: Duration,
    /// Whether the test may kill a server that mishandles what it does (a client that
    /// leaves, or stays silent, before its name): such tests run after all the others
    /// (see [`crate::runner::in_run_order`]), so a server they kill takes no other test
    /// down with it.
    pub disruptive: bool,
    body: Body<S>,
}

impl<S> Clone for TestCase<S> {
    fn clone(&self) -> Self {
        TestCase {
            id: self.id,
            level: self.level,
            requirement: self.requirement,
            title: self.title,
            steps: self.steps.clone(),
            causes: self.causes.clone(),
            budget: self.budget,
            disruptive: self.disruptive,
            body: Arc::clone(&self.body),
        }
    }
}

/// A test declared but not yet given its body, to run on a context `S`: see
/// [`Declared::run`].
#[must_use = "a test needs its body: finish it with .run(...)"]
pub struct Declared<S = Session> {
    id: &'static str,
    level: Level,
    requirement: &'static str,
    title: &'static str,
    steps: Cow<'static, str>,
    causes: Cow<'static, str>,
    budget: Duration,
    disruptive: bool,
    context: PhantomData<fn(S)>,
}

impl TestCase {
    /// Declares a core test (the assignment as taught).
    pub fn core(id: &'static str, requirement: &'static str, title: &'static str) -> Declared {
        Self::declare(id, Level::Core, requirement, title)
    }

    /// Declares a strict test (the craft: bad input, limits, slow readers, scale).
    pub fn strict(id: &'static str, requirement: &'static str, title: &'static str) -> Declared {
        Self::declare(id, Level::Strict, requirement, title)
    }

    /// Declares a test of `level`.
    pub fn declare(
        id: &'static str,
        level: Level,
        requirement: &'static str,
        title: &'static str,
    ) -> Declared {
        Declared::new(id, level, requirement, title)
    }
}

impl<S> TestCase<S> {
    /// The group, the part of the id before the dot.
    pub fn group(&self) -> &'static str {
        crate::model::group_of(self.id)
    }

    /// Starts the test's body on `session`.
    pub fn execute(&self, session: S) -> TestFuture {
        (self.body)(session)
    }
}

impl<S> Declared<S> {
    /// Declares a test of `level` that runs on the context `S` (for a server test,
    /// [`TestCase::core`] and [`TestCase::strict`] say it shorter).
    pub fn new(
        id: &'static str,
        level: Level,
        requirement: &'static str,
        title: &'static str,
    ) -> Self {
        Declared {
            id,
            level,
            requirement,
            title,
            steps: Cow::Borrowed(""),
            causes: Cow::Borrowed(""),
            budget: BUDGET,
            disruptive: false,
            context: PhantomData,
        }
    }

    /// What the test does, step by step (for `--explain`).
    pub fn steps(mut self, steps: impl Into<Cow<'static, str>>) -> Self {
        self.steps = steps.into();
        self
    }

    /// What usually makes a server fail it (for `--explain`).
    pub fn causes(mut self, causes: impl Into<Cow<'static, str>>) -> Self {
        self.causes = causes.into();
        self
    }

    /// A budget other than the default [`BUDGET`].
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Marks the test as one that may kill a server which mishandles it: it runs after all
    /// the tests that are not (see [`TestCase::disruptive`]).
    pub fn disruptive(mut self) -> Self {
        self.disruptive = true;
        self
    }

    /// Gives the test its body: an async closure over the test's context (a [`Session`]
    /// for a server test).
    pub fn run<F, Fut>(self, body: F) -> TestCase<S>
    where
        F: Fn(S) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        TestCase {
            id: self.id,
            level: self.level,
            requirement: self.requirement,
            title: self.title,
            steps: self.steps,
            causes: self.causes,
            budget: self.budget,
            disruptive: self.disruptive,
            body: Arc::new(move |session| Box::pin(body(session))),
        }
    }
}

/// Fails on two tests with the same id, naming it: `--filter`, skip rules and reports would
/// silently mix them up.
pub fn check_unique<S>(tests: &[TestCase<S>]) -> Result<(), String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, t) in tests.iter().enumerate() {
        if let Some(first) = seen.insert(t.id, i) {
            return Err(format!(
                "two tests have the id `{}` (the {} and the {} of the list): ids must be unique",
                t.id,
                ordinal(first + 1),
                ordinal(i + 1)
            ));
        }
    }
    Ok(())
}

/// `1st`, `2nd`, `3rd`, `4th`…
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &'static str) -> TestCase {
        TestCase::core(id, "CHAT-1", "t").run(|_s| async { Ok(()) })
    }

    #[test]
    fn duplicate_ids_are_an_error_naming_the_id() {
        assert_eq!(check_unique(&[case("a.b"), case("a.c")]), Ok(()));
        let err = check_unique(&[case("a.b"), case("a.c"), case("a.b")]).unwrap_err();
        assert!(
            err.contains("`a.b`") && err.contains("1st") && err.contains("3rd"),
            "{err}"
        );
    }

    #[test]
    fn a_declared_test_keeps_its_metadata() {
        let t = TestCase::strict("input.x", "INPUT-1", "title")
            .steps("steps")
            .causes("causes")
            .budget(Duration::from_secs(3))
            .run(|_s| async { Ok(()) });
        assert_eq!(
            (t.id, t.level, t.requirement, t.title, t.group()),
            ("input.x", Level::Strict, "INPUT-1", "title", "input")
        );
        assert_eq!((&*t.steps, &*t.causes), ("steps", "causes"));
        assert_eq!(t.budget, Duration::from_secs(3));
    }
}
