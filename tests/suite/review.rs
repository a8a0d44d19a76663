//! The engine every frontend drives: `pipeline::run` against the loopback model server, a
//! real repository and a real SQLite file, with the review answered through `Op`s.

use serde_json::Value;
use tokio::sync::mpsc;

use vibe::clock::Clock;
use vibe::config::{Config, Inputs};
use vibe::event::{Event, Op};
use vibe::pipeline::{self, Outcome, Request, Review, Services, Start, Stop};
use vibe::store::Store;

use super::crs_plan::{crs_doc, plan_doc, setup};
use crate::common::openai::Reply;
use crate::common::TestEnv;

fn config(env: &TestEnv) -> Config {
    let inputs = Inputs { env: env.env.clone(), cwd: env.cwd.clone(), ..Inputs::default() };
    Config::load(&inputs).unwrap()
}

/// Runs the pipeline, answering the review with `answer`; returns the outcome and every event.
fn drive(env: &TestEnv, req: Request, answer: Option<Op>) -> (Outcome, Vec<Event>) {
    let config = config(env);
    let clock = Clock::from_env(&env.env);
    let mut services = Services::new(Store::open(&config.db_path()).unwrap(), None);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
    let (op_tx, op_rx) = mpsc::unbounded_channel();
    rt.block_on(async {
        let pipe = pipeline::run(&config, clock, &mut services, req, ev_tx, op_rx);
        let front = async {
            let mut seen = Vec::new();
            while let Some(ev) = ev_rx.recv().await {
                if let (Event::ApprovalNeeded { .. }, Some(op)) = (&ev, &answer) {
                    op_tx.send(op.clone()).unwrap();
                }
                seen.push(ev);
            }
            seen
        };
        let (outcome, seen) = tokio::join!(pipe, front);
        (outcome.unwrap(), seen)
    })
}

fn run_request(env: &TestEnv, start: Start) -> Request {
    let mut req = Request::draft(env.cwd.clone(), start, Stop::Job);
    req.review = Review::Ask;
    req.run_job = true;
    req.allow_dirty = false;
    req
}

#[test]
fn the_approval_request_carries_the_crs_and_the_plan_and_a_rejection_is_recorded() {
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc())).push(Reply::json(&plan_doc()));
    let req = run_request(&env, Start::Prompt("add a --verbose flag".into()));
    let reason = Some("too broad".to_string());
    let (outcome, events) = drive(&env, req, Some(Op::Reject { reason }));

    let Outcome::Rejected { plan_id: Some(plan_id) } = outcome else { panic!("{outcome:?}") };
    let (crs, plan, id) = events
        .iter()
        .find_map(|e| match e {
            Event::ApprovalNeeded { crs, plan, plan_id, .. } => Some((crs, plan, plan_id.clone())),
            _ => None,
        })
        .expect("an approval request");
    assert_eq!(id.as_deref(), Some(plan_id.as_str()));
    assert_eq!(serde_json::to_value(crs.as_ref()).unwrap(), crs_doc());
    let mut expected = plan_doc();
    // The plan is the one recorded, as it was when the user was asked.
    assert_eq!(serde_json::to_value(plan.as_ref()).unwrap()["steps"], expected["steps"].take());

    let store = Store::open(&env.db_path()).unwrap();
    let rec = store.plan(&plan_id).unwrap();
    assert_eq!(rec.status, "rejected");
    let stored: Value = serde_json::from_str(rec.plan_json.as_deref().unwrap()).unwrap();
    assert_eq!(stored, serde_json::to_value(plan.as_ref()).unwrap());
    assert_eq!(store.recent_jobs(5, None).unwrap().len(), 0, "no job for a rejected plan");
}

#[test]
fn stop_points_record_what_was_written_and_report_model_progress() {
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc()));
    let req = Request::draft(env.cwd.clone(), Start::Prompt("add a --verbose flag".into()), Stop::Crs);
    let (outcome, events) = drive(&env, req, None);
    let Outcome::Crs(made) = outcome else { panic!("{outcome:?}") };
    let store = Store::open(&env.db_path()).unwrap();
    assert_eq!(store.crs(&made.record.id).unwrap().summary.as_deref(), Some(made.crs.summary.as_str()));
    assert!(events.iter().any(|e| matches!(e, Event::ModelProgress { tokens, .. } if *tokens > 0)));
    assert!(!events.iter().any(|e| matches!(e, Event::PlanReady { .. })));
    assert_eq!(server.chat_requests().len(), 1);

    // From the recorded CRS, the plan alone.
    server.push(Reply::json(&plan_doc()));
    let crs_record = store.crs(&made.record.id).unwrap();
    let start = Start::Crs(Box::new((crs_record, made.crs.clone())));
    let (outcome, events) = drive(&env, Request::draft(env.cwd.clone(), start, Stop::Plan), None);
    let Outcome::Planned(planned) = outcome else { panic!("{outcome:?}") };
    assert!(planned.crs_usage.is_none());
    let rec = store.plan(&planned.plan.record.id).unwrap();
    assert_eq!((rec.status.as_str(), rec.crs_id.as_deref()), ("draft", Some(made.record.id.as_str())));
    assert!(!events.iter().any(|e| matches!(e, Event::CrsReady { .. })));
    assert_eq!(server.chat_requests().len(), 2);
}
