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
                Some(ev) => app.on_event(&ev),
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

    fn k(c: char) -> Term {
        Term::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    /// A scripted session: comment, regenerate, see the new version, approve it.
    #[tokio::test]
    async fn the_whole_loop_sends_ops_and_takes_in_events() {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let mut a = app();
        let (key_tx, mut keys) = mpsc::unbounded_channel();
        let (ev_tx, mut events) = mpsc::unbounded_channel();
        let (op_tx, mut ops) = mpsc::unbounded_channel();
        let pipeline = async {
            for c in "rmore tests".chars() {
                key_tx.send(k(c)).unwrap();
            }
            key_tx.send(Term::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))).unwrap();
            let Some(Op::Revise { feedback }) = ops.recv().await else { panic!() };
            assert_eq!(feedback, "more tests");
            // A key while the model writes is answered (the Tests tab opens).
            key_tx.send(k('3')).unwrap();
            let mut p = crate::tui::review::tests::plan();
            p.steps.truncate(2);
            ev_tx
                .send(Event::PlanVersion {
                    plan_id: "p2".into(),
                    parent_id: Some("p1".into()),
                    how: ReviewKind::Revise,
                    content_hash: crate::plan::content_hash(&p),
                    plan: Box::new(p.clone()),
                    tokens: None,
                })
                .unwrap();
            key_tx.send(k('a')).unwrap();
            let Some(Op::Approve { plan_id, content_hash }) = ops.recv().await else { panic!() };
            assert_eq!(plan_id.as_deref(), Some("p2"));
            assert_eq!(content_hash, crate::plan::content_hash(&p));
            ev_tx.send(Event::PlanApproved { plan_id }).unwrap();
        };
        let mut editor = no_editor;
        let looped = review(
            &mut terminal,
            &mut a,
            Theme { color: false },
            &mut keys,
            &mut events,
            &op_tx,
            &mut editor,
        );
        let (ended, ()) = tokio::join!(looped, pipeline);
        assert_eq!(ended.unwrap(), Ended::Approved);
        assert_eq!(a.versions.len(), 2);
        assert_eq!(a.tab, crate::tui::review::Tab::Tests);
    }

    /// The editor's text comes back as a replacement; text that does not read keeps the
    /// problems marked for the next edit.
    #[tokio::test]
    async fn the_editor_replaces_the_plan_and_a_bad_text_is_kept() {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let (key_tx, mut keys) = mpsc::unbounded_channel();
        let (ev_tx, mut events) = mpsc::unbounded_channel();
        let (op_tx, mut ops) = mpsc::unbounded_channel();
        let mut a = app();
        let mut seen = Vec::new();
        let mut editor = |text: &str| {
            seen.push(text.to_string());
            Ok(if seen.len() == 1 {
                text.replace("complexity: low", "complexity: huge")
            } else {
                text.replace("complexity: huge", "complexity: high")
            })
        };
        key_tx.send(k('E')).unwrap();
        key_tx.send(k('E')).unwrap();
        let pipeline = async {
            let Some(Op::Replace { plan }) = ops.recv().await else { panic!() };
            assert_eq!(plan.complexity, crate::plan::Complexity::High);
            ev_tx.send(Event::PlanApproved { plan_id: None }).unwrap();
        };
        let looped = review(
            &mut terminal,
            &mut a,
            Theme { color: false },
            &mut keys,
            &mut events,
            &op_tx,
            &mut editor,
        );
        let (ended, ()) = tokio::join!(looped, pipeline);
        assert_eq!(ended.unwrap(), Ended::Approved);
        assert!(
            seen[1].contains("# ! complexity is low, medium or high, not `huge`\ncomplexity: huge"),
            "{}",
            seen[1]
        );
    }

    #[tokio::test]
    async fn reject_and_leave_end_the_loop() {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let (key_tx, mut keys) = mpsc::unbounded_channel();
        let (_ev_tx, mut events) = mpsc::unbounded_channel();
        let (op_tx, mut ops) = mpsc::unbounded_channel();
        for c in "xno\n".chars() {
            key_tx
                .send(if c == '\n' {
                    Term::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
                } else {
                    k(c)
                })
                .unwrap();
        }
        let mut a = app();
        let ended = review(
            &mut terminal,
            &mut a,
            Theme { color: false },
            &mut keys,
            &mut events,
            &op_tx,
            &mut no_editor,
        )
        .await;
        assert_eq!(ended.unwrap(), Ended::Rejected);
        assert_eq!(ops.recv().await, Some(Op::Reject { reason: Some("no".into()) }));
        key_tx.send(k('q')).unwrap();
        let ended = review(
            &mut terminal,
            &mut a,
            Theme { color: false },
            &mut keys,
            &mut events,
            &op_tx,
            &mut no_editor,
        )
        .await;
        assert_eq!(ended.unwrap(), Ended::Left);
    }
}
