//! Snapshots of the job watch at 80×24 and 110×32, and its loop driven by scripted keys and
//! store updates.
#![allow(clippy::unwrap_used)]

use crossterm::event::{Event as Term, KeyCode};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use super::watch::tests::{finished, job, key, rec, running};
use super::watch::{Origin, WatchApp};
use super::watch_run::{watch, Update, Watched};
use super::Theme;
use crate::event::JobEvent;
use crate::jobs::Status;

fn draw(app: &WatchApp, w: u16, h: u16, color: bool) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f, &Theme { color })).unwrap();
    t
}

fn text(app: &WatchApp, w: u16, h: u16) -> String {
    draw(app, w, h, false).backend().to_string()
}

#[test]
fn a_running_job_at_80_by_24() {
    insta::assert_snapshot!("watch_running", text(&running(), 80, 24));
}

#[test]
fn a_running_job_on_a_larger_terminal_with_scrolled_output_and_the_cancel_question() {
    let mut a = running();
    for i in 0..40 {
        a.out(if i % 5 == 0 { Origin::Stderr } else { Origin::Stdout }, format!("compiling crate {i}"));
    }
    a.page.set(10);
    a.handle_key(key(KeyCode::PageUp));
    insta::assert_snapshot!("watch_scrolled", text(&a, 110, 32));
    a.handle_key(key(KeyCode::Char('c')));
    insta::assert_snapshot!("watch_cancel", text(&a, 80, 24));
}

#[test]
fn the_key_list() {
    let mut a = running();
    a.handle_key(key(KeyCode::Char('?')));
    let shown = text(&a, 80, 24);
    assert!(shown.contains("cancel the job") && shown.contains("detach"), "{shown}");
    insta::assert_snapshot!("watch_keys", shown);
}

#[test]
fn a_finished_job_and_its_result() {
    let mut a = finished();
    insta::assert_snapshot!("watch_done", text(&a, 80, 24));
    a.handle_key(key(KeyCode::Char('r')));
    insta::assert_snapshot!("watch_result", text(&a, 80, 24));
    insta::assert_snapshot!("watch_result_large", text(&a, 110, 32));
}

#[test]
fn the_diff_is_coloured_and_no_color_means_none() {
    use ratatui::style::Color;
    let mut a = finished();
    a.handle_key(key(KeyCode::Enter));
    let t = draw(&a, 110, 40, true);
    let buf = t.backend().buffer();
    let row = |needle: &str| {
        (0..buf.area.height)
            .find(|y| (0..buf.area.width).map(|x| buf[(x, *y)].symbol()).collect::<String>().contains(needle))
            .unwrap()
    };
    assert_eq!(buf[(0, row("+    run(verbose);"))].fg, Color::Green);
    assert_eq!(buf[(0, row("-    run();"))].fg, Color::Red);
    let plain = draw(&a, 110, 40, false);
    let buf = plain.backend().buffer();
    assert!(buf.content().iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
}

/// The loop takes in the store's updates, answers keys between them, asks to cancel and
/// ends with the job's last row once it is over and the user leaves.
#[tokio::test]
async fn the_loop_follows_updates_cancels_and_ends_when_the_user_leaves() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (key_tx, mut keys) = mpsc::unbounded_channel();
    let (up_tx, mut updates) = mpsc::unbounded_channel();
    let (cancel_tx, mut cancels) = mpsc::unbounded_channel();
    let mut cancel = || {
        cancel_tx.send(()).unwrap();
        Ok(())
    };
    let clock = crate::clock::Clock::fixed(crate::store::parse_ts("2026-01-01T10:00:30Z").unwrap());
    let script = async {
        up_tx.send(Update::Job(Box::new(job("running")))).unwrap();
        up_tx
            .send(Update::Events(vec![rec(1, JobEvent::Step { n: 1, of: 1, title: "Write it".into() })]))
            .unwrap();
        key_tx.send(Term::Key(key(KeyCode::Char('c')))).unwrap();
        key_tx.send(Term::Key(key(KeyCode::Char('y')))).unwrap();
        cancels.recv().await.unwrap();
        up_tx
            .send(Update::Events(vec![rec(
                2,
                JobEvent::Status {
                    from: Some(Status::Running),
                    to: Status::Cancelled,
                    reason: None,
                    failure: None,
                },
            )]))
            .unwrap();
        let mut j = job("cancelled");
        j.error_message = Some("cancelled by the user".into());
        up_tx.send(Update::Finished(Box::new(j), None)).unwrap();
        key_tx.send(Term::Key(key(KeyCode::Char('q')))).unwrap();
    };
    let mut app = WatchApp::new("0123456789abcdef");
    let looped =
        watch(&mut terminal, &mut app, Theme { color: false }, clock, &mut keys, &mut updates, &mut cancel);
    let (ended, ()) = tokio::join!(looped, script);
    let Watched::Over(j) = ended.unwrap() else { panic!("the job is over") };
    assert_eq!(j.status, "cancelled");
    assert_eq!(app.step, Some((1, 1, "Write it".into())));
    assert_eq!(app.elapsed_ms(), Some(30_000));
    let shown = terminal.backend().to_string();
    assert!(shown.contains("cancelled: cancelled by the user"), "{shown}");
}

#[tokio::test]
async fn detaching_leaves_the_loop_without_cancelling() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (key_tx, mut keys) = mpsc::unbounded_channel();
    let (up_tx, mut updates) = mpsc::unbounded_channel();
    let mut cancel = || -> Result<(), String> { panic!("not cancelled") };
    up_tx.send(Update::Job(Box::new(job("running")))).unwrap();
    key_tx.send(Term::Key(key(KeyCode::Char('d')))).unwrap();
    let mut app = WatchApp::new("0123456789abcdef");
    let ended = watch(
        &mut terminal,
        &mut app,
        Theme { color: false },
        crate::clock::Clock::system(),
        &mut keys,
        &mut updates,
        &mut cancel,
    )
    .await;
    assert_eq!(ended.unwrap(), Watched::Detached);
}
