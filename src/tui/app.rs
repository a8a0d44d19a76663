//! The review loop: draws the screen, answers the terminal's keys and the pipeline's events
//! as they come (so a key is answered while the model writes), and sends the ops the keys
//! ask for. Generic over ratatui's `Backend`, so tests run it on a `TestBackend`.

use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::review::{Action, ReviewApp};
use super::Theme;
use crate::error::Error;
use crate::event::{Event, Op};

/// How a review on screen ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// The plan is approved (the pipeline said so).
    Approved,
    /// The reviewer rejected it.
    Rejected,
    /// The reviewer left without deciding.
    Left,
    /// The pipeline stopped.
    Gone,
}

fn drawn<E: std::fmt::Display>(e: E) -> Error {
    Error::failure(format!("cannot draw on the terminal: {e}"))
}

/// Opens a text in the editor and returns it as saved, or says why it could not.
pub type Editor<'a> = &'a mut dyn FnMut(&str) -> Result<String, String>;

/// Runs the review of `app` until it ends.
pub async fn review<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut ReviewApp,
    theme: Theme,
    keys: &mut UnboundedReceiver<crossterm::event::Event>,
    events: &mut UnboundedReceiver<Event>,
    ops: &UnboundedSender<Op>,
    editor: Editor<'_>,
) -> Result<Ended, Error> {
    use crossterm::event::Event as Term;
    loop {
        terminal.draw(|f| app.render(f, &theme)).map_err(drawn)?;
        // What the pipeline reported is taken in before the keys typed after it.
        tokio::select! {
            biased;
            ev = events.recv() => match ev {
                Some(Event::PlanApproved { .. }) => return Ok(Ended::Approved),
                Some(ev) => {
                    app.on_event(&ev);
                    if let Some(op) = app.follow_up() {
                        if ops.send(op).is_err() {
                            return Ok(Ended::Gone);
                        }
                    }
                }
                None => return Ok(Ended::Gone),
            },
            key = keys.recv() => {
                let mut action = match key {
                    Some(Term::Key(k)) => app.handle_key(k),
                    Some(Term::Paste(text)) => {
                        app.paste(&text);
                        Action::None
                    }
                    Some(Term::Mouse(m)) => {
                        app.handle_mouse(m);
                        Action::None
                    }
                    Some(_) => Action::None,
                    // The terminal is gone.
                    None => return Ok(Ended::Left),
                };
                if let Action::Edit(text) = action {
                    action = match editor(&text) {
                        Ok(after) => app.edited(&text, after),
                        Err(e) => {
                            app.fail(e);
                            Action::None
                        }
                    };
                    // The editor drew over the screen: draw all of it again (a resize to the
                    // same size clears without asking the terminal where its cursor is).
                    let size = terminal.size().map_err(drawn)?;
                    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height)).map_err(drawn)?;
                }
                match action {
                    Action::None | Action::Edit(_) => {}
                    Action::Quit => return Ok(Ended::Left),
                    Action::Send(op) => {
                        let reject = matches!(op, Op::Reject { .. });
                        if matches!(op, Op::Approve { .. }) {
                            app.busy = Some("approving…".into());
                        }
                        if ops.send(op).is_err() {
                            return Ok(Ended::Gone);
                        }
                        if reject {
                            return Ok(Ended::Rejected);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crossterm::event::{Event as Term, KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use tokio::sync::mpsc;

    use super::*;
    use crate::store::ReviewKind;
    use crate::tui::review::tests::app;

    fn no_editor(_: &str) -> Result<String, String> {
        Err("no editor here".into())
    }

    /// The loop's side of a review: the test plan's app on an 80×24 test terminal, and the
    /// ends the loop reads keys and events from and sends ops to.
    struct Screen {
        terminal: Terminal<TestBackend>,
        app: ReviewApp,
        keys: mpsc::UnboundedReceiver<Term>,
        events: mpsc::UnboundedReceiver<Event>,
        op_tx: mpsc::UnboundedSender<Op>,
    }

    impl Screen {
        /// Runs the review loop, without colour, until it ends.
        async fn review(&mut self, editor: Editor<'_>) -> Result<Ended, Error> {
            review(
                &mut self.terminal,
                &mut self.app,
                Theme { color: false },
                &mut self.keys,
                &mut self.events,
                &self.op_tx,
                editor,
            )
            .await
        }
    }

    /// The other side: the keyboard, the pipeline's events and the ops the loop sent.
    struct Driver {
        key_tx: mpsc::UnboundedSender<Term>,
        ev_tx: mpsc::UnboundedSender<Event>,
        ops: mpsc::UnboundedReceiver<Op>,
    }

    impl Driver {
        /// Types `text`, a newline as Enter.
        fn type_keys(&self, text: &str) {
            for c in text.chars() {
                let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
                self.key_tx.send(Term::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
            }
        }

        /// Sends an event from the pipeline.
        fn event(&self, ev: Event) {
            self.ev_tx.send(ev).unwrap();
        }

        /// The next op the loop sent.
        async fn op(&mut self) -> Option<Op> {
            self.ops.recv().await
        }
    }

    /// A review of the test plan, not started yet.
    fn harness() -> (Screen, Driver) {
        let (key_tx, keys) = mpsc::unbounded_channel();
        let (ev_tx, events) = mpsc::unbounded_channel();
        let (op_tx, ops) = mpsc::unbounded_channel();
        let terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        (Screen { terminal, app: app(), keys, events, op_tx }, Driver { key_tx, ev_tx, ops })
    }

    /// A scripted session: comment, regenerate, see the new version, approve it.
    #[tokio::test]
    async fn the_whole_loop_sends_ops_and_takes_in_events() {
        let (mut screen, mut driver) = harness();
        let pipeline = async {
            driver.type_keys("rmore tests\n");
            let Some(Op::Revise { feedback }) = driver.op().await else { panic!() };
            assert_eq!(feedback, "more tests");
            // A key while the model writes is answered (the Tests tab opens).
            driver.type_keys("3");
            let mut p = crate::tui::review::tests::plan();
            p.steps.truncate(2);
            driver.event(Event::PlanVersion {
                plan_id: "p2".into(),
                parent_id: Some("p1".into()),
                how: ReviewKind::Revise,
                content_hash: crate::plan::content_hash(&p),
                plan: Box::new(p.clone()),
                tokens: None,
            });
            driver.type_keys("a");
            let Some(Op::Approve { plan_id, content_hash }) = driver.op().await else { panic!() };
            assert_eq!(plan_id.as_deref(), Some("p2"));
            assert_eq!(content_hash, crate::plan::content_hash(&p));
            driver.event(Event::PlanApproved { plan_id });
        };
        let mut editor = no_editor;
        let (ended, ()) = tokio::join!(screen.review(&mut editor), pipeline);
        assert_eq!(ended.unwrap(), Ended::Approved);
        assert_eq!(screen.app.versions.len(), 2);
        assert_eq!(screen.app.tab, crate::tui::review::Tab::Tests);
    }

    /// The editor's text comes back as a replacement; text that does not read keeps the
    /// problems marked for the next edit.
    #[tokio::test]
    async fn the_editor_replaces_the_plan_and_a_bad_text_is_kept() {
        let (mut screen, mut driver) = harness();
        let mut seen = Vec::new();
        let mut editor = |text: &str| {
            seen.push(text.to_string());
            Ok(if seen.len() == 1 {
                text.replace("complexity: low", "complexity: huge")
            } else {
                text.replace("complexity: huge", "complexity: high")
            })
        };
        driver.type_keys("EE");
        let pipeline = async {
            let Some(Op::Replace { plan }) = driver.op().await else { panic!() };
            assert_eq!(plan.complexity, crate::plan::Complexity::High);
            driver.event(Event::PlanApproved { plan_id: None });
        };
        let (ended, ()) = tokio::join!(screen.review(&mut editor), pipeline);
        assert_eq!(ended.unwrap(), Ended::Approved);
        assert!(
            seen[1].contains("# ! complexity is low, medium or high, not `huge`\ncomplexity: huge"),
            "{}",
            seen[1]
        );
    }

    /// A text that changes a criterion and the plan: the criteria are saved first, and the
    /// plan goes in once the pipeline reports their version.
    #[tokio::test]
    async fn the_editor_saves_changed_criteria_then_the_plan() {
        let (mut screen, mut driver) = harness();
        let mut editor = |text: &str| {
            Ok(text
                .replace("condition: The README documents the flag", "condition: The README shows an example")
                .replace("complexity: low", "complexity: medium"))
        };
        driver.type_keys("E");
        let pipeline = async {
            let Some(Op::EditCriteria { edits }) = driver.op().await else { panic!() };
            assert_eq!(
                edits,
                [crate::review::CriterionEdit::Change {
                    id: "AC2".into(),
                    description: "The README shows an example".into(),
                    verification: "read the README".into(),
                }]
            );
            let mut crs = crate::tui::review::tests::crs();
            crs.acceptance_criteria[1].description = "The README shows an example".into();
            driver.event(crate::tui::review::tests::criteria_version(
                crs,
                crate::tui::review::tests::plan(),
                &[],
            ));
            let Some(Op::Replace { plan }) = driver.op().await else { panic!() };
            assert_eq!(plan.complexity, crate::plan::Complexity::Medium);
            driver.event(Event::PlanApproved { plan_id: None });
        };
        let (ended, ()) = tokio::join!(screen.review(&mut editor), pipeline);
        assert_eq!(ended.unwrap(), Ended::Approved);
        assert_eq!(screen.app.crs.acceptance_criteria[1].description, "The README shows an example");
    }

    #[tokio::test]
    async fn reject_and_leave_end_the_loop() {
        let (mut screen, mut driver) = harness();
        driver.type_keys("xno\n");
        assert_eq!(screen.review(&mut no_editor).await.unwrap(), Ended::Rejected);
        assert_eq!(driver.op().await, Some(Op::Reject { reason: Some("no".into()) }));
        driver.type_keys("q");
        assert_eq!(screen.review(&mut no_editor).await.unwrap(), Ended::Left);
    }
}
