//! The job watch on a real pseudo-terminal: `vibe jobs watch` opens the screen, shows the
//! job's log, opens the result, and cancels a running job after asking.

use vibe::store::Store;

use crate::common::{TestEnv, NOW};
use crate::suite::jobs::{finished_job, job};
use crate::suite::tui::on_terminal;

fn terminal_env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set("TERM", "xterm-256color");
    env
}

#[test]
fn watch_on_a_terminal_shows_a_finished_job_and_its_result() {
    let env = terminal_env();
    finished_job(&env, "cccc0000-0000-7000-8000-000000000001", true);
    let (code, shown) = on_terminal(&env, &["jobs", "watch", "cccc"], &[("opens", "r"), ("Files", "qq")]);
    assert_eq!(code, 0, "{shown}");
    // Only changed cells are drawn, so words are looked for, not whole lines.
    // The watch: the command with its output.
    assert!(shown.contains("$ cargo test"), "{shown}");
    // The result: diffstat, criteria with evidence, the diff.
    for word in ["Criteria", "returns", "exited", "Diff", "two()"] {
        assert!(shown.contains(word), "{word}: {shown}");
    }
    // The terminal is given back, and the outcome printed after it.
    let after = &shown[shown.rfind("\u{1b}[?1049l").expect("the alternate screen is left")..];
    assert!(after.contains("job cccc0000 done"), "{after}");
}

#[test]
fn cancel_in_the_watch_asks_first_then_stops_the_job() {
    let env = terminal_env();
    let id = "eeee0000-0000-7000-8000-000000000001";
    let mut store = Store::open(&env.db_path()).unwrap();
    store.insert_job(&job(id, "running", None)).unwrap();
    store
        .append_job_event(id, "step", r#"{"kind":"step","n":1,"of":2,"title":"Write the greeting"}"#, NOW)
        .unwrap();
    let (code, shown) = on_terminal(
        &env,
        &["jobs", "watch", "eeee"],
        &[("greeting", "c"), ("go on", "n\x03"), ("go on", "y"), ("quit", "q")],
    );
    assert_eq!(code, 130, "{shown}");
    assert!(shown.contains("Step 1/2"), "{shown}");
    assert!(shown.contains("cancelling…"), "{shown}");
    assert_eq!(store.job(id).unwrap().status, "cancelled");
    let after = &shown[shown.rfind("\u{1b}[?1049l").unwrap()..];
    assert!(after.contains("job eeee0000 was cancelled"), "{after}");
}
