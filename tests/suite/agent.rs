//! The coding agent driven by the loopback OpenAI server (scripted tool calls) against the
//! real bubblewrap sandbox and real git repositories. Assertions look at what the model
//! server received: tool results fed back, truncation, refusals, verdict checks.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};
use vibe::agent::{Agent, AgentConfig, AgentError, AgentEvent, AgentOutcome, Checkpoint, Ended, Task};
use vibe::config::{Backend, ModelSettings, Secret};
use vibe::crs::{AcceptanceCriterion, Crs};
use vibe::llm::Client;
use vibe::plan::{Complexity, FileAction, FileOp, Plan, Step, TestCheck};
use vibe::sandbox::{self, Sandbox};

use super::sandbox::fixture;
use crate::common::openai::{OpenAiServer, Recorded, Reply};
use crate::common::TestEnv;

fn client(server: &OpenAiServer) -> Client {
    Client::new(&ModelSettings {
        base_url: server.base_url(),
        api_key: Some(Secret::new("sk-test-key-0123456789")),
        name: "gpt-4.1".into(),
        fast: "gpt-4.1-mini".into(),
        structured_output: "auto".into(),
        max_tokens_field: "auto".into(),
        timeout_secs: 30,
        max_retries: 0,
        retry_base_ms: 5,
        prices: Default::default(),
    })
    .unwrap()
}

fn crs() -> Crs {
    Crs {
        summary: "Make answer() return 42".into(),
        goals: vec!["answer() returns 42".into()],
        non_goals: vec![],
        constraints: vec!["keep the signature".into()],
        acceptance_criteria: vec![AcceptanceCriterion {
            id: "AC1".into(),
            description: "answer() returns 42".into(),
            verification: "sh check.sh".into(),
        }],
        affected_areas: vec!["src/lib.rs".into()],
        risks: vec![],
        open_questions: vec![],
    }
}

fn plan() -> Plan {
    Plan {
        summary: "Change the constant".into(),
        steps: vec![
            Step {
                title: "Change the constant".into(),
                intent: "41 becomes 42".into(),
                files: vec![FileAction { path: "src/lib.rs".into(), action: FileOp::Modify }],
                commands: vec![],
            },
            Step {
                title: "Check".into(),
                intent: "run the check".into(),
                files: vec![],
                commands: vec!["sh check.sh".into()],
            },
        ],
        testing_strategy: vec![TestCheck {
            command: "sh check.sh".into(),
            proves: "the answer is 42".into(),
            criteria: vec!["AC1".into()],
        }],
        complexity: Complexity::Low,
        confidence: 0.9,
        estimated_files_changed: 1,
        needs_network: false,
    }
}

async fn sandbox_for(env: &TestEnv, name: &str) -> Box<dyn Sandbox> {
    let (repo, mut spec) = fixture(env, name);
    std::fs::write(repo.join("check.sh"), "grep -q 42 src/lib.rs\n").unwrap();
    crate::common::git(&repo, &["add", "."]);
    crate::common::git(&repo, &["commit", "-q", "-m", "check"]);
    spec.policy.command_timeout = Duration::from_secs(60);
    sandbox::Sandboxes::default().create(Backend::Local, spec).await.unwrap().0
}

/// Runs the agent to its end, collecting events; `cancel_when` cancels on a matching event.
async fn drive(
    agent: &Agent<'_>,
    resume: Option<Checkpoint>,
    cancel_when: Option<&(dyn Fn(&AgentEvent) -> bool + Sync)>,
) -> (Result<AgentOutcome, AgentError>, Vec<AgentEvent>) {
    let (crs, plan) = (crs(), plan());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let run = agent.run(Task { crs: &crs, plan: &plan }, resume, tx, cancel_rx);
    let collect = async {
        let mut events = Vec::new();
        while let Some(ev) = rx.recv().await {
            if cancel_when.is_some_and(|f| f(&ev)) {
                let _ = cancel_tx.send(true);
            }
            events.push(ev);
        }
        events
    };
    tokio::join!(run, collect)
}

fn last_tool_message(req: &Recorded) -> Value {
    req.messages().into_iter().rev().find(|m| m["role"] == "tool").unwrap()
}

fn tool_texts(server: &OpenAiServer) -> Vec<String> {
    // The tool results as the model first received them (later requests shorten old ones).
    let mut seen: Vec<(String, String)> = Vec::new();
    for req in server.chat_requests() {
        for m in req.messages().iter().filter(|m| m["role"] == "tool") {
            let id = m["tool_call_id"].as_str().unwrap().to_string();
            if !seen.iter().any(|(i, _)| *i == id) {
                seen.push((id, m["content"].as_str().unwrap().to_string()));
            }
        }
    }
    seen.into_iter().map(|(_, text)| text).collect()
}

fn finish_ok() -> Value {
    json!({"summary": "answer() returns 42", "criteria": [
        {"id": "AC1", "holds": true, "evidence": [{"command": "sh check.sh", "exit_code": 0}], "note": "check passes"}
    ]})
}

#[tokio::test]
async fn the_agent_works_through_the_plan_and_its_verdict_is_backed_by_commands_it_ran() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "happy").await;
    let server = OpenAiServer::start();
    server.push_tool_call("list_files", json!({"path": ""}));
    // The copy's path as commands see it is accepted too.
    server.push_tool_call("read_file", json!({"path": "/vibe/work/src/lib.rs"}));
    server.push(
        Reply::tool_call(
            "edit_file",
            json!({"path": "src/lib.rs", "old_text": "    41", "new_text": "    42"}),
        )
        .usage(200, 30),
    );
    server.push_tool_call("complete_step", json!({"summary": "constant changed"}));
    server.push_tool_calls(&[
        ("run_command", json!({"command": "sh check.sh"})),
        ("complete_step", json!({"summary": "checked"})),
    ]);
    server.push_tool_call("finish", finish_ok());
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let (outcome, events) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();

    assert_eq!(outcome.ended, Ended::Finished);
    assert!(outcome.success(), "{outcome:?}");
    assert_eq!(outcome.criteria.len(), 1);
    assert!(outcome.criteria[0].holds && outcome.criteria[0].evidence[0].verified);
    assert_eq!(outcome.tests_run.len(), 1);
    assert_eq!((outcome.tests_run[0].command.as_str(), outcome.tests_run[0].exit_code), ("sh check.sh", 0));
    assert_eq!((outcome.steps_completed, outcome.turns), (2, 6));
    assert_eq!(outcome.usage.prompt_tokens, 100 * 5 + 200);
    assert_eq!(outcome.summary, "answer() returns 42");

    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 6);
    let first = &reqs[0];
    let tools: Vec<&str> = first.body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "list_files",
            "read_file",
            "search",
            "write_file",
            "edit_file",
            "run_command",
            "complete_step",
            "finish"
        ]
    );
    let msgs = first.messages();
    assert_eq!(
        (msgs.len(), msgs[0]["role"].as_str(), msgs[1]["role"].as_str()),
        (2, Some("system"), Some("user"))
    );
    let task = msgs[1]["content"].as_str().unwrap();
    assert!(
        task.contains("AC1: answer() returns 42")
            && task.contains("Start with step 1/2: Change the constant"),
        "{task}"
    );
    assert!(first.all_text().len() < 4000, "the first prompt stays lean: {} bytes", first.all_text().len());

    // Each tool result answers the call before it, by id.
    for req in &reqs[1..] {
        let msgs = req.messages();
        let assistant = msgs.iter().rev().find(|m| m["role"] == "assistant").unwrap();
        let ids: Vec<&str> =
            assistant["tool_calls"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        let answered: Vec<&str> = msgs
            .iter()
            .rev()
            .take(ids.len())
            .map(|m| m["tool_call_id"].as_str().unwrap())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert_eq!(ids, answered);
    }
    let listing = last_tool_message(&reqs[1])["content"].as_str().unwrap().to_string();
    assert!(listing.contains("src/\n") && listing.contains("README.md ("), "{listing}");
    assert!(last_tool_message(&reqs[2])["content"].as_str().unwrap().contains("2|     41"));
    assert!(last_tool_message(&reqs[3])["content"]
        .as_str()
        .unwrap()
        .contains("edited src/lib.rs (1 replacement)"));
    assert!(last_tool_message(&reqs[4])["content"]
        .as_str()
        .unwrap()
        .starts_with("Step 1/2 done. Now step 2/2: Check"));
    let texts = tool_texts(&server);
    assert!(texts.iter().any(|t| t.starts_with("exit code 0")), "{texts:?}");
    assert!(
        texts.last().unwrap().contains("All 2 steps are done")
            && texts.last().unwrap().contains("sh check.sh")
    );

    // Events tell the story.
    let steps: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::StepStarted { n, of, .. } => Some(format!("start {n}/{of}")),
            AgentEvent::StepCompleted { n, of, .. } => Some(format!("done {n}/{of}")),
            _ => None,
        })
        .collect();
    assert_eq!(steps, ["start 1/2", "done 1/2", "start 2/2", "done 2/2"]);
    assert_eq!(events.iter().filter(|e| matches!(e, AgentEvent::ToolCall { .. })).count(), 7);
    assert_eq!(events.iter().filter(|e| matches!(e, AgentEvent::Usage { .. })).count(), 6);
    assert!(events.iter().any(|e| matches!(e, AgentEvent::CommandFinished { exit_code: Some(0), .. })));
    assert!(events.iter().any(|e| matches!(e, AgentEvent::Checkpoint(_))));

    let diff = sb.diff().await.unwrap();
    assert_eq!(diff.files.len(), 1);
    assert!(diff.patch.contains("+    42"));
}

#[tokio::test]
async fn hostile_tool_calls_are_refused_reported_and_nothing_outside_changes() {
    let env = TestEnv::new();
    let outside = env.root().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "TOP-SECRET").unwrap();
    let sb = sandbox_for(&env, "hostile").await;
    let server = OpenAiServer::start();
    server.push_tool_call("write_file", json!({"path": "../escape.txt", "content": "x"}));
    server.push_tool_call("read_file", json!({"path": "/etc/passwd"}));
    server.push_tool_call("run_command", json!({"command": format!("ln -s {} link", outside.display())}));
    server.push_tool_call("read_file", json!({"path": "link/secret.txt"}));
    server.push_tool_call("write_file", json!({"path": "link/planted.txt", "content": "x"}));
    server.push_tool_call(
        "edit_file",
        json!({"path": ".git/config", "old_text": "[core]", "new_text": "[core]\n\thooksPath = /tmp"}),
    );
    server.push_tool_call("list_files", json!({"path": "link", "recursive": true}));
    server.push_tool_call("run_command", json!({"command": format!("cat {}/secret.txt; cat ~/.ssh/id_rsa; echo x > {}/from-shell.txt", outside.display(), outside.display())}));
    server.push_tool_call("finish", json!({"summary": "nothing", "criteria": [{"id": "AC1", "holds": false, "evidence": [], "note": "not done"}]}));
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let (outcome, events) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    assert!(!outcome.success());

    let texts = tool_texts(&server);
    for i in [0, 1, 3, 4, 5, 6] {
        assert!(texts[i].starts_with("error: refused"), "call {i}: {}", texts[i]);
    }
    assert!(texts[3].contains("outside the job's copy"), "{}", texts[3]);
    assert!(texts[7].starts_with("exit code 1"), "{}", texts[7]);
    let refused = events.iter().filter(|e| matches!(e, AgentEvent::Refused { .. })).count();
    assert_eq!(refused, 6);
    for req in server.chat_requests() {
        assert!(!req.raw_body.contains("TOP-SECRET"), "a secret reached the model");
    }
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1, "nothing was written outside");
    assert!(!env.root().join("escape.txt").exists());
}

#[tokio::test]
async fn long_output_is_cut_and_bad_calls_get_errors_the_model_can_act_on() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "errors").await;
    let server = OpenAiServer::start();
    server.push_tool_call("run_command", json!({"command": "seq 1 200000"}));
    server.push(Reply::tool_call_raw("read_file", "{\"path\": \"src/lib.rs\""));
    server.push_tool_call("edit_file", json!({"path": "src/lib.rs", "old_text": "43", "new_text": "44"}));
    server.push_tool_call("write_file", json!({"path": "dup.txt", "content": "a\nb\na\n"}));
    server.push_tool_call("edit_file", json!({"path": "dup.txt", "old_text": "a", "new_text": "c"}));
    server.push_tool_call("delete_everything", json!({}));
    server.push_text("I think I am done.");
    server.push_tool_call("finish", json!({"summary": "s", "criteria": []}));
    server.push_tool_call("finish", finish_ok());
    server.push_tool_call("edit_file", json!({"path": "src/lib.rs", "old_text": "41", "new_text": "42"}));
    server.push_tool_call("run_command", json!({"command": "sh check.sh"}));
    server.push_tool_call("finish", finish_ok());
    let client = client(&server);
    let config = AgentConfig { max_tool_output: 4000, ..AgentConfig::default() };
    let agent = Agent::new(&client, sb.as_ref(), config);
    let (outcome, _events) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();

    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 12);
    let texts = tool_texts(&server);
    assert!(texts[0].starts_with("exit code 0") && texts[0].contains("omitted"), "{}", &texts[0][..100]);
    assert!(
        texts[0].contains("\n1\n2\n3\n") && texts[0].contains("199999\n200000"),
        "head and tail kept: {}",
        &texts[0][texts[0].len() - 300..]
    );
    assert!(texts[0].len() < 4300, "{}", texts[0].len());
    assert!(texts[1].contains("invalid arguments for read_file"), "{}", texts[1]);
    assert!(texts[2].contains("old_text was not found"), "{}", texts[2]);
    assert!(texts[4].contains("occurs 2 times (lines 1, 3)"), "{}", texts[4]);
    assert!(texts[5].contains("there is no tool `delete_everything`"), "{}", texts[5]);
    // A text answer without tool calls is followed by a nudge.
    let nudge = reqs[7].messages().last().unwrap().clone();
    assert_eq!(nudge["role"], "user");
    assert!(nudge["content"].as_str().unwrap().contains("call finish"));
    assert!(texts[6].contains("missing: AC1"), "{}", texts[6]);
    assert!(texts[7].contains("it was not run in this job"), "{}", texts[7]);
    // The last finish is accepted and its evidence is verified by the run before it.
    assert_eq!(outcome.ended, Ended::Finished);
    assert!(outcome.criteria[0].holds && outcome.criteria[0].evidence[0].verified, "{outcome:?}");
}

#[tokio::test]
async fn a_claim_without_a_matching_run_does_not_hold() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "claims").await;
    let server = OpenAiServer::start();
    server.push_tool_call("run_command", json!({"command": "sh check.sh"}));
    server.push_tool_call("finish", finish_ok());
    server.push_tool_call("finish", finish_ok());
    server.push_tool_call("finish", finish_ok());
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let (outcome, _) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    // check.sh failed (41 is still there); the model claimed exit 0 three times: sent back
    // twice, then accepted with the claim not holding.
    let texts = tool_texts(&server);
    assert_eq!(texts.len(), 3);
    assert!(texts[1].contains("its latest run exited 1") && texts[2].contains("its latest run exited 1"));
    assert_eq!(server.chat_requests().len(), 4);
    assert_eq!(outcome.ended, Ended::Finished);
    assert!(!outcome.criteria[0].holds);
    assert!(!outcome.criteria[0].evidence[0].verified);
    assert_eq!(outcome.tests_run[0].exit_code, 1);
}

#[tokio::test]
async fn budgets_stop_the_run_and_a_checkpoint_resumes_it() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "resume").await;
    let server = OpenAiServer::start();
    server.push_tool_call("read_file", json!({"path": "src/lib.rs"}));
    server.push_tool_call("edit_file", json!({"path": "src/lib.rs", "old_text": "41", "new_text": "42"}));
    server.push_tool_call("complete_step", json!({"summary": "changed"}));
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig { max_turns: 3, ..AgentConfig::default() });
    let (outcome, events) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.ended, Ended::TurnLimit);
    assert!(!outcome.success() && !outcome.criteria[0].holds);
    assert_eq!(server.chat_requests().len(), 3);
    assert!(
        outcome.summary.contains("the agent used all 3 turns (agent.max_turns / VIBE_AGENT_MAX_TURNS)"),
        "{}",
        outcome.summary
    );
    assert_eq!(outcome.stop.as_ref().map(|s| (s.used, s.limit)), Some((3, 3)));
    let checkpoint = events
        .iter()
        .rev()
        .find_map(|e| match e {
            AgentEvent::Checkpoint(cp) => Some(cp.as_ref().clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!((checkpoint.step, checkpoint.turns), (1, 3));
    // It survives a round trip through JSON (persisted by the job).
    let checkpoint: Checkpoint = serde_json::from_str(&serde_json::to_string(&checkpoint).unwrap()).unwrap();
    let sent_before = checkpoint.messages.len();

    server.push_tool_call("run_command", json!({"command": "sh check.sh"}));
    server.push_tool_call("complete_step", json!({"summary": "checked"}));
    server.push_tool_call("finish", finish_ok());
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let (outcome, events) = drive(&agent, Some(checkpoint), None).await;
    let outcome = outcome.unwrap();
    assert!(outcome.success(), "{outcome:?}");
    assert_eq!((outcome.turns, outcome.steps_completed), (6, 2));
    let resumed = &server.chat_requests()[3];
    let msgs = resumed.messages();
    assert_eq!(msgs.len(), sent_before + 1);
    assert!(msgs.last().unwrap()["content"].as_str().unwrap().contains("interrupted and has resumed"));
    assert!(msgs.last().unwrap()["content"].as_str().unwrap().contains("step 2/2: Check"));
    assert!(matches!(&events[0], AgentEvent::StepStarted { n: 2, of: 2, .. }), "{:?}", events[0]);
}

#[tokio::test]
async fn the_token_budget_stops_the_run() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "tokens").await;
    let server = OpenAiServer::start();
    server.set_default(Reply::tool_call("list_files", json!({"path": ""})).usage(600, 10));
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig { max_tokens: 1000, ..AgentConfig::default() });
    let (outcome, _) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.ended, Ended::TokenLimit);
    assert_eq!(server.chat_requests().len(), 2);
    assert!(
        outcome.summary.contains(
            "the agent used 1220 tokens of its budget of 1000 (agent.max_tokens / VIBE_AGENT_MAX_TOKENS)"
        ),
        "{}",
        outcome.summary
    );
}

#[tokio::test]
async fn a_model_that_only_talks_is_nudged_twice_then_the_run_ends_saying_why() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "prose").await;
    let server = OpenAiServer::start();
    server.set_default(Reply::text("I would change 41 to 42 in src/lib.rs, then run the check."));
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let (outcome, _) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.ended, Ended::NoToolCalls);
    // The first answer and two nudged ones: three requests, not sixty.
    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 3);
    for req in &reqs[1..] {
        let nudge = req.messages().last().unwrap().clone();
        assert!(nudge["content"].as_str().unwrap().starts_with("Answer with a tool call"), "{nudge}");
    }
    assert!(outcome.summary.contains("the model `gpt-4.1` is not calling tools"), "{}", outcome.summary);
    assert!(outcome.summary.contains("set VIBE_MODEL"), "{}", outcome.summary);
    assert!(!outcome.criteria[0].holds);

    // A model that talks now and then but calls tools in between is not stopped.
    let server = OpenAiServer::start();
    for _ in 0..3 {
        server.push_text("Let me look around first.");
        server.push_text("Thinking about it.");
        server.push_tool_call("list_files", json!({"path": ""}));
    }
    server.push_tool_call("edit_file", json!({"path": "src/lib.rs", "old_text": "41", "new_text": "42"}));
    server.push_tool_call("run_command", json!({"command": "sh check.sh"}));
    server.push_tool_call("finish", finish_ok());
    let client = self::client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let (outcome, _) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.ended, Ended::Finished, "{outcome:?}");
    assert!(outcome.success());
}

#[tokio::test]
async fn a_finish_wrong_three_times_ends_the_run() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "rejected").await;
    let server = OpenAiServer::start();
    let wrong =
        json!({"summary": "done", "criteria": [{"id": "s1", "holds": true, "evidence": [], "note": ""}]});
    server.set_default(Reply::tool_call("finish", wrong));
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let (outcome, _) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.ended, Ended::FinishRejected);
    assert_eq!(server.chat_requests().len(), 3);
    let texts = tool_texts(&server);
    assert!(texts[0].contains("missing: AC1; unknown: s1"), "{}", texts[0]);
    assert!(
        outcome
            .summary
            .contains("the agent's finish was rejected 3 times (last: finish needs exactly one verdict"),
        "{}",
        outcome.summary
    );
}

#[tokio::test]
async fn cancel_kills_the_running_command_and_ends_the_run() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "cancel").await;
    let server = OpenAiServer::start();
    server.push_tool_call("run_command", json!({"command": "setsid sleep 4820 & echo started; sleep 4821"}));
    let client = client(&server);
    let agent = Agent::new(&client, sb.as_ref(), AgentConfig::default());
    let when =
        |e: &AgentEvent| matches!(e, AgentEvent::CommandOutput { text, .. } if text.contains("started"));
    let (outcome, events) = drive(&agent, None, Some(&when)).await;
    assert!(matches!(outcome, Err(AgentError::Cancelled)), "{outcome:?}");
    assert!(events.iter().any(|e| matches!(e, AgentEvent::CommandFinished { .. })));
    for pattern in ["sleep 4820", "sleep 4821"] {
        let alive = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .any(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(pattern));
        assert!(!alive, "{pattern} survived the cancel");
    }
    let err = vibe::error::Error::from(outcome.unwrap_err());
    assert_eq!(err.exit_code(), 130);
}

#[tokio::test]
async fn no_command_outlasts_the_wall_time_of_the_run() {
    let env = TestEnv::new();
    let sb = sandbox_for(&env, "wall").await;
    let server = OpenAiServer::start();
    server.push_tool_call("run_command", json!({"command": "sleep 4830", "timeout_secs": 3600}));
    server.set_default(Reply::tool_call("list_files", json!({"path": "/vibe/work"})));
    let client = client(&server);
    let config = AgentConfig { max_wall: Duration::from_secs(2), ..AgentConfig::default() };
    let agent = Agent::new(&client, sb.as_ref(), config);
    let (outcome, events) = drive(&agent, None, None).await;
    let outcome = outcome.unwrap();
    assert_eq!(outcome.ended, Ended::TimeLimit, "{outcome:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AgentEvent::CommandFinished { timed_out: true, exit_code: None, .. })),
        "the command was killed at the run's deadline: {events:?}"
    );
    assert!(
        outcome.summary.contains(
            "the agent used all 2 seconds of its wall time (agent.max_minutes / VIBE_AGENT_MAX_MINUTES)"
        ),
        "{}",
        outcome.summary
    );
    assert_eq!(server.chat_requests().len(), 1);
}
