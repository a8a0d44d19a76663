//! Drawing the plan review screen for a 500-step plan (each step with files and commands, a
//! check per step, 500 acceptance criteria): one frame of the Plan tab, the CRS tab and the
//! Tests tab at 120×40 on ratatui's `TestBackend`, the step list scrolled to the middle, with
//! the review focus and the word diff against an earlier version computed as on screen.
//! Run with `cargo bench --bench tui_render`. Target: ≤ 16 ms per frame.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use vibe::crs::{AcceptanceCriterion, Crs};
use vibe::plan::{Complexity, FileAction, FileOp, Plan, Step, TestCheck};
use vibe::tui::review::Version;
use vibe::tui::{ReviewApp, Theme};

const STEPS: usize = 500;
const FRAMES: usize = 200;

fn plan(edit: bool) -> Plan {
    let steps = (0..STEPS)
        .map(|i| Step {
            title: format!("Step {i}: update the handler for route {i}"),
            intent: format!(
                "Route {i} gets the rate limiter; requests over the limit answer 429 with a Retry-After header{}",
                if edit && i % 7 == 0 { " and a log line" } else { "" }
            ),
            files: vec![
                FileAction { path: format!("src/routes/r{i}.rs"), action: FileOp::Modify },
                FileAction { path: format!("tests/r{i}.rs"), action: FileOp::Create },
            ],
            commands: vec![format!("cargo test r{i}")],
        })
        .collect();
    let testing_strategy = (0..STEPS)
        .map(|i| TestCheck {
            command: format!("cargo test r{i}"),
            proves: format!("route {i} answers 429 over the limit"),
            criteria: vec![format!("AC{}", i + 1)],
        })
        .collect();
    Plan {
        summary: "Rate-limit every route".into(),
        steps,
        testing_strategy,
        complexity: Complexity::High,
        confidence: 0.7,
        estimated_files_changed: 1000,
        needs_network: false,
    }
}

fn crs() -> Crs {
    Crs {
        summary: "Rate-limit every route".into(),
        goals: vec!["Every route is limited".into()],
        non_goals: vec![],
        constraints: vec!["No new dependencies".into()],
        acceptance_criteria: (0..STEPS)
            .map(|i| AcceptanceCriterion {
                id: format!("AC{}", i + 1),
                description: format!("route {i} answers 429 over the limit"),
                verification: format!("cargo test r{i}"),
            })
            .collect(),
        affected_areas: vec!["src/routes".into()],
        risks: vec!["Clients that retry at once".into()],
        open_questions: vec!["Per user or per address?".into()],
    }
}

fn version(plan: Plan, id: &str) -> Version {
    let content_hash = vibe::plan::content_hash(&plan);
    Version {
        plan_id: Some(id.into()),
        plan,
        content_hash,
        how: None,
        tokens: Some(52_000),
        cost_usd: Some(0.12),
    }
}

fn main() {
    let mut app = ReviewApp::new(crs(), version(plan(false), "p1"));
    app.on_event(&vibe::event::Event::PlanVersion {
        plan_id: "p2".into(),
        parent_id: Some("p1".into()),
        how: vibe::store::ReviewKind::Revise,
        content_hash: vibe::plan::content_hash(&plan(true)),
        plan: Box::new(plan(true)),
        tokens: None,
    });
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    let theme = Theme { color: true };
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    for _ in 0..STEPS / 2 + 3 {
        app.handle_key(key(KeyCode::Down));
    }
    println!("{STEPS}-step plan, 120x40, {FRAMES} frames per tab (release build)");
    let mut worst = Duration::ZERO;
    for (tab, name) in [('1', "Plan"), ('2', "CRS"), ('3', "Tests")] {
        app.handle_key(key(KeyCode::Char(tab)));
        for _ in 0..STEPS / 2 {
            app.handle_key(key(KeyCode::Down));
        }
        let mut times = Vec::with_capacity(FRAMES);
        for _ in 0..FRAMES {
            let t = Instant::now();
            terminal.draw(|f| app.render(f, &theme)).expect("drawn");
            times.push(t.elapsed());
        }
        times.sort();
        let median = times[FRAMES / 2];
        let p95 = times[FRAMES * 95 / 100];
        worst = worst.max(p95);
        println!(
            "  {name:<5} tab: median {:.2} ms, p95 {:.2} ms, max {:.2} ms per frame",
            median.as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3,
            times[FRAMES - 1].as_secs_f64() * 1e3
        );
    }
    let ok = worst <= Duration::from_millis(16);
    println!("target ≤ 16 ms per frame: {}", if ok { "met" } else { "MISSED" });
}
