//! The home screen driven by keys and drawn at 80×24 and 120×30.
#![allow(clippy::unwrap_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::home::{web_address, History, HomeAction, HomeApp, JobRow, PlanRow, PrRow, Section};
use super::Theme;

fn history() -> History {
    let plan = |id: &str, status: &str, summary: &str, steps| PlanRow {
        id: id.into(),
        status: status.into(),
        summary: summary.into(),
        steps,
        created_at: "2026-12-05T10:00:00.000Z".into(),
    };
    History {
        plans: vec![
            plan("0193a1b2c3d4e5f6", "draft", "Add a --verbose flag and print details on stderr", 3),
            plan("0193a0b2c3d4e5f6", "approved", "Rate-limit the login route", 5),
            plan("01939fb2c3d4e5f6", "rejected", "Rewrite the parser", 1),
        ],
        jobs: vec![
            JobRow {
                id: "0193b1b2c3d4e5f6".into(),
                status: "running".into(),
                summary: Some("Rate-limit the login route".into()),
                files_changed: 0,
                created_at: "2026-12-05T11:00:00.000Z".into(),
            },
            JobRow {
                id: "0193b0b2c3d4e5f6".into(),
                status: "done".into(),
                summary: None,
                files_changed: 4,
                created_at: "2026-12-04T09:30:00.000Z".into(),
            },
        ],
        prs: vec![
            PrRow {
                repo: "acme/app".into(),
                number: 42,
                title: Some("Rate-limit the login route".into()),
                state: "open".into(),
                url: "https://github.com/acme/app/pull/42".into(),
                created_at: "2026-12-05T11:20:00.000Z".into(),
            },
            PrRow {
                repo: "acme/app".into(),
                number: 7,
                title: Some("Odd".into()),
                state: "merged".into(),
                url: "javascript:alert(1)".into(),
                created_at: "2026-12-01T08:00:00.000Z".into(),
            },
        ],
    }
}

fn loaded() -> HomeApp {
    let mut a = HomeApp::new();
    a.loaded(Ok(history()));
    a
}

fn press(app: &mut HomeApp, keys: &str) -> Vec<HomeAction> {
    keys.chars()
        .map(|c| {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\t' => KeyCode::Tab,
                '\x1b' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            app.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
        })
        .filter(|a| *a != HomeAction::None)
        .collect()
}

fn draw(app: &HomeApp, w: u16, h: u16, color: bool) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f, &Theme { color })).unwrap();
    t
}

#[test]
fn enter_opens_a_plan_a_job_or_a_pull_request() {
    let mut a = loaded();
    assert_eq!(press(&mut a, "j\n"), [HomeAction::Review("0193a0b2c3d4e5f6".into())]);
    assert_eq!(press(&mut a, "\tG\n"), [HomeAction::Watch("0193b0b2c3d4e5f6".into())]);
    assert_eq!(press(&mut a, "3o"), [HomeAction::Browse("https://github.com/acme/app/pull/42".into())]);
    // An address that is not a web page is never handed to the browser.
    assert!(press(&mut a, "j\n").is_empty());
    assert!(a.status.as_ref().unwrap().1.contains("#7 has no web address"));
    assert_eq!(press(&mut a, "r"), [HomeAction::Reload]);
    assert_eq!(press(&mut a, "q"), [HomeAction::Quit]);
    assert_eq!(press(&mut a, "\x1b"), [HomeAction::Quit]);
}

#[test]
fn sections_move_with_keys_and_the_wheel() {
    let mut a = loaded();
    press(&mut a, "l");
    assert_eq!(a.section, Section::Jobs);
    press(&mut a, "hh");
    assert_eq!(a.section, Section::Prs);
    press(&mut a, "1");
    let wheel = |kind| MouseEvent { kind, column: 0, row: 0, modifiers: KeyModifiers::NONE };
    a.handle_mouse(wheel(MouseEventKind::ScrollDown));
    a.handle_mouse(wheel(MouseEventKind::ScrollDown));
    a.handle_mouse(wheel(MouseEventKind::ScrollDown));
    assert_eq!(a.selection(), 2, "the wheel stops at the last row");
    a.handle_mouse(wheel(MouseEventKind::ScrollUp));
    assert_eq!(a.selection(), 1);
    // A shorter history keeps the selection on a row.
    let mut h = history();
    h.plans.truncate(1);
    press(&mut a, "G");
    a.loaded(Ok(h));
    assert_eq!(a.selection(), 0);
    // A job under way has the list read again now and then.
    assert!(a.has_live_jobs());
    let mut done = history();
    done.jobs.retain(|j| j.status == "done");
    let mut b = HomeApp::new();
    b.loaded(Ok(done));
    assert!(!b.has_live_jobs());
    // Before the history arrives, Enter does nothing.
    let mut empty = HomeApp::new();
    assert!(press(&mut empty, "\n").is_empty());
}

#[test]
fn only_web_addresses_are_opened() {
    assert_eq!(web_address("https://github.com/a/b/pull/1"), Some("https://github.com/a/b/pull/1"));
    assert_eq!(web_address("HTTP://ghe.local/a/b/pull/1"), Some("HTTP://ghe.local/a/b/pull/1"));
    for bad in
        ["file:///etc/passwd", "javascript:alert(1)", "https://", "https://a b", "-https://x", "https://x\n"]
    {
        assert_eq!(web_address(bad), None, "{bad}");
    }
}

#[test]
fn the_home_screen_at_80_by_24_and_120_by_30() {
    let mut a = loaded();
    insta::assert_snapshot!("home_plans", draw(&a, 80, 24, false).backend().to_string());
    press(&mut a, "2");
    insta::assert_snapshot!("home_jobs", draw(&a, 120, 30, false).backend().to_string());
    press(&mut a, "3j\n");
    insta::assert_snapshot!("home_prs", draw(&a, 80, 24, false).backend().to_string());
    press(&mut a, "?");
    let keys = draw(&a, 80, 24, false).backend().to_string();
    assert!(keys.contains("review a plan (approve runs it)"), "{keys}");
    assert!(keys.contains("approve"));
    insta::assert_snapshot!("home_keys", keys);
}

#[test]
fn an_empty_history_and_a_store_that_cannot_be_read_say_so() {
    let mut a = HomeApp::new();
    assert!(draw(&a, 80, 24, false).backend().to_string().contains("reading the history"));
    a.loaded(Ok(History::default()));
    assert!(draw(&a, 80, 24, false).backend().to_string().contains("No plans yet"));
    a.loaded(Err("database is locked".into()));
    assert!(draw(&a, 80, 24, false)
        .backend()
        .to_string()
        .contains("cannot read the history: database is locked"));
}

#[test]
fn no_color_draws_no_colour() {
    use ratatui::style::Color;
    let a = loaded();
    let plain = draw(&a, 80, 24, false);
    assert!(plain.backend().buffer().content.iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
    let colored = draw(&a, 80, 24, true);
    assert!(colored.backend().buffer().content.iter().any(|c| c.fg != Color::Reset));
}

/// The whole loop on a scripted stream: the history arrives while keys are typed, a pull
/// request goes to the browser, a job is chosen.
#[tokio::test]
async fn the_loop_reads_in_the_background_and_returns_the_choice() {
    use crossterm::event::Event as Term;
    use tokio::sync::mpsc;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (key_tx, mut keys) = mpsc::unbounded_channel();
    let (h_tx, mut hist) = mpsc::unbounded_channel();
    let k = |c| Term::Key(KeyEvent::new(c, KeyModifiers::NONE));
    // No job under way, so only `r` reads the history again.
    let mut h = history();
    h.jobs[0].status = "failed".into();
    h_tx.send(Ok(h)).unwrap();
    for c in [KeyCode::Char('3'), KeyCode::Enter, KeyCode::Char('r'), KeyCode::Char('2'), KeyCode::Enter] {
        key_tx.send(k(c)).unwrap();
    }
    let mut opened = Vec::new();
    let mut reloads = 0;
    let mut a = HomeApp::new();
    let chosen = super::home_run::home(
        &mut terminal,
        &mut a,
        Theme { color: false },
        &mut keys,
        &mut hist,
        &mut || reloads += 1,
        &mut |url: &str| {
            opened.push(url.to_string());
            Ok(())
        },
    )
    .await
    .unwrap();
    assert_eq!(chosen, super::home_run::Chosen::Watch("0193b1b2c3d4e5f6".into()));
    assert_eq!(opened, ["https://github.com/acme/app/pull/42"]);
    assert_eq!(reloads, 1);
}
