//! Snapshots of the review screen at 80×24 and 100×30, driven by keys.
#![allow(clippy::unwrap_used)]

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::review::tests::{app, criteria_version_without_ac2, press};
use super::{ReviewApp, Theme};
use crate::event::Event;
use crate::store::ReviewKind;

fn draw(app: &ReviewApp, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f, &Theme { color: false })).unwrap();
    t.backend().to_string()
}

#[test]
fn the_review_at_80_by_24() {
    let a = app();
    insta::assert_snapshot!(draw(&a, 80, 24));
}

#[test]
fn the_crs_tab_with_an_answer_and_the_tests_tab() {
    let mut a = app();
    press(&mut a, "2GoNo, only --verbose\n");
    a.on_event(&Event::ReviewNoted {
        plan_id: "p1".into(),
        kind: ReviewKind::Answer,
        target: Some("Q1".into()),
    });
    insta::assert_snapshot!("crs_tab", draw(&a, 80, 24));
    press(&mut a, "\tj");
    insta::assert_snapshot!("tests_tab", draw(&a, 80, 24));
}

#[test]
fn the_step_form_and_the_key_list() {
    let mut a = app();
    press(&mut a, "je");
    insta::assert_snapshot!("step_form", draw(&a, 80, 24));
    press(&mut a, "\x1b?");
    let keys = draw(&a, 80, 24);
    assert!(keys.contains("approve"));
    insta::assert_snapshot!("key_list", keys);
}

#[test]
fn a_revised_version_marks_what_changed_and_a_refused_edit_lists_problems() {
    let mut a = app();
    press(&mut a, "rfewer steps\n");
    insta::assert_snapshot!("revising", draw(&a, 100, 30));
    let mut p = a.versions[0].plan.clone();
    p.steps[0].intent = "Declare --verbose and -v".into();
    p.steps.remove(2);
    p.steps.push(crate::plan::Step {
        title: "Test the flag".into(),
        intent: "An integration test".into(),
        files: vec![],
        commands: vec!["cargo test".into()],
    });
    a.on_event(&Event::PlanVersion {
        plan_id: "p2".into(),
        parent_id: Some("p1".into()),
        how: ReviewKind::Revise,
        content_hash: crate::plan::content_hash(&p),
        plan: Box::new(p.clone()),
        tokens: Some(2048),
    });
    insta::assert_snapshot!("revised", draw(&a, 100, 30));
    press(&mut a, "d");
    a.on_event(&Event::EditRefused {
        problems: vec!["$.testing_strategy: AC3 is not covered by any check".into()],
        plan: Box::new(a.plan().clone()),
    });
    insta::assert_snapshot!("refused", draw(&a, 100, 30));
}

#[test]
fn a_reject_prompt_shows_what_is_typed() {
    let mut a = app();
    press(&mut a, "xnot now");
    let screen = draw(&a, 80, 24);
    assert!(screen.contains("Reject, reason (optional): not now"), "{screen}");
}

#[test]
fn the_criterion_form_and_a_criteria_version_with_problems() {
    let mut a = app();
    press(&mut a, "2jjjjje");
    a.handle_key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('u'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    press(&mut a, "The README documents --verbose");
    insta::assert_snapshot!("criterion_form", draw(&a, 80, 24));
    press(&mut a, "\x1b");
    criteria_version_without_ac2(
        &mut a,
        "$.testing_strategy[1].criteria: AC2 is not an acceptance criterion of the CRS",
    );
    insta::assert_snapshot!("criteria_version", draw(&a, 100, 30));
    press(&mut a, "3j");
    let tests = draw(&a, 100, 30);
    assert!(tests.contains("AC2 is not an acceptance criterion of the CRS (any more)"), "{tests}");
}

#[test]
fn without_colour_the_review_draws_no_colour_and_fits_a_resize() {
    use ratatui::style::Color;
    let mut a = app();
    press(&mut a, "jrfewer steps");
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    for (w, h) in [(80, 24), (120, 40), (60, 16), (80, 24)] {
        t.backend_mut().resize(w, h);
        t.draw(|f| a.render(f, &Theme { color: false })).unwrap();
        let cells = &t.backend().buffer().content;
        assert!(cells.iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset), "{w}x{h}");
        assert_eq!(t.backend().buffer().area.width, w);
    }
    t.draw(|f| a.render(f, &Theme { color: true })).unwrap();
    assert!(t.backend().buffer().content.iter().any(|c| c.fg != Color::Reset), "colour when allowed");
    assert_eq!(t.backend().to_string(), draw(&a, 80, 24), "the same text either way");
}
