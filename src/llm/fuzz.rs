//! Hostile input for every parser of the model layer: retry headers, SSE streams, JSON
//! bodies. Each must give a clear error or a sane value, and never panic.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

use super::sse::{Assembler, SseEvent, SseParser};
use super::wire::{self, MAX_RETRY_WAIT};
use crate::test_rng::Rng;

/// Numbers servers should never send, as header text.
const HOSTILE_NUMBERS: &[&str] = &[
    "1e20",
    "1e400",
    "-1e400",
    "18446744073709551616",
    "99999999999999999999999999999",
    "-1",
    "-0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "infinity",
    "+Infinity",
    "0x10",
    "1_000",
    "",
    " ",
    "1.7976931348623157e308",
    "4.9e-324",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Wed, 99 Oct 2015 07:28:00 GMT",
    "99999999999999999999h",
    "1e300h",
    "9223372036854775807s",
    "5m-3s",
    "1.2.3s",
    "...s",
    "3 weeks",
];

#[test]
fn retry_headers_are_bounded_whatever_the_server_sends() {
    let now = time::OffsetDateTime::now_utc();
    for value in HOSTILE_NUMBERS {
        for name in
            ["retry-after", "retry-after-ms", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
        {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_str(value).unwrap());
            for status in [429, 503] {
                let wait = wire::retry_after(&h, status, now);
                assert!(wait.is_none_or(|w| w <= MAX_RETRY_WAIT), "{name}: {value} gave {wait:?}");
            }
        }
        let d = wire::parse_go_duration(value);
        assert!(d.is_none_or(|w| w <= MAX_RETRY_WAIT), "{value} gave {d:?}");
    }
    // Not UTF-8 at all: ignored.
    let mut h = HeaderMap::new();
    h.insert("retry-after", HeaderValue::from_bytes(b"\xff\xfe1").unwrap());
    assert_eq!(wire::retry_after(&h, 429, now), None);
    // A sane value still counts.
    let mut h = HeaderMap::new();
    h.insert("retry-after", HeaderValue::from_static("2"));
    assert_eq!(wire::retry_after(&h, 429, now), Some(Duration::from_secs(2)));
    // The absurd ones are the cap, not ignored: vibe waits as long as it ever waits.
    for value in ["1e20", "18446744073709551616", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_str(value).unwrap());
        assert_eq!(wire::retry_after(&h, 429, now), Some(MAX_RETRY_WAIT), "{value}");
    }
}

fn feed(stream: &[u8], split: usize) -> Result<super::wire::Completion, String> {
    let mut parser = SseParser::default();
    let mut asm = Assembler::default();
    let mut events = Vec::new();
    for piece in stream.chunks(split.max(1)) {
        events.extend(parser.push(piece));
    }
    events.extend(parser.finish());
    for ev in events {
        match ev {
            SseEvent::Done => asm.done = true,
            SseEvent::Data(d) => asm.apply(&d).map_err(|e| e.message)?,
        }
    }
    Ok(asm.finish())
}

#[test]
fn sse_streams_of_any_shape_end_in_a_value_or_an_error() {
    let chunk = |delta: &str| format!("data: {{\"choices\":[{{\"index\":0,\"delta\":{delta}}}]}}\n\n");
    let fixed: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"data:".to_vec(),
        b"data: [DONE]".to_vec(),
        b"\n\n\n\r\r\r".to_vec(),
        b"data: \xff\xfe\xfd\n\n".to_vec(),
        b"data: {\"choices\":[{\"delta\":{\"content\":\"\xff\"}}]}\n\n".to_vec(),
        chunk(r#"{"tool_calls":[{"index":18446744073709551615,"id":"a","function":{"name":"f","arguments":"{"}}]}"#)
            .into_bytes(),
        chunk(r#"{"tool_calls":[{"index":-1,"function":{"arguments":{"x":[1,2,{}]}}}]}"#).into_bytes(),
        chunk(r#"{"tool_calls":[{"index":1e300}],"content":null}"#).into_bytes(),
        chunk(r#"{"tool_calls":"not a list","content":12}"#).into_bytes(),
        chunk(r#"{"tool_calls":[null,1,"x",[],{}]}"#).into_bytes(),
        b"data: {\"choices\":[{\"index\":0,\"finish_reason\":1e999}]}\n\n".to_vec(),
        b"data: {\"choices\":null,\"usage\":{\"prompt_tokens\":1e300,\"completion_tokens\":-5}}\n\n".to_vec(),
        b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":18446744073709551615,\"completion_tokens\":18446744073709551615}}\n\n".to_vec(),
        b"data: {\"error\":{\"message\":{\"nested\":true},\"code\":[1]}}\n\n".to_vec(),
        b"data: {\"error\":null}\n\n".to_vec(),
        format!("data: {}\n\n", "[".repeat(100_000)).into_bytes(),
        format!("data: {}\n\n", "{\"a\":".repeat(50_000)).into_bytes(),
        // One enormous line, never ended.
        format!("data: {{\"choices\":[{{\"delta\":{{\"content\":\"{}", "x".repeat(4 << 20)).into_bytes(),
        // An enormous line of comment.
        format!(":{}\n\ndata: [DONE]\n\n", "k".repeat(4 << 20)).into_bytes(),
    ];
    for stream in &fixed {
        for split in [1usize, 7, 4096, usize::MAX] {
            if split == 1 && stream.len() > 1 << 16 {
                continue;
            }
            // Any result is fine; a panic is not. Usage, when read, is sane.
            if let Ok(c) = feed(stream, split) {
                if let Some((p, out)) = c.usage {
                    assert!(p <= 1 << 40 && out <= 1 << 40, "{p} {out}");
                }
            }
        }
    }
    // Random bytes and random near-SSE text.
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let sse_alphabet: &[u8] =
        b"data: {}[]\":,0123456789.-eE\n\r\\ubnchoicesdeltacontenttool_callsindex\xff\x00\x1b[DONE]";
    for round in 0..400 {
        let len = rng.below(2_000);
        let alphabet: Vec<u8> = if round % 2 == 0 { (0..=255).collect() } else { sse_alphabet.to_vec() };
        let bytes = rng.bytes(len, &alphabet);
        let split = 1 + rng.below(64);
        let _ = feed(&bytes, split);
    }
}

#[test]
fn a_truncated_stream_is_never_a_complete_answer() {
    let stream = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let finish_at = stream.find("\"finish_reason\"").unwrap();
    for cut in 0..finish_at {
        let mut parser = SseParser::default();
        let mut asm = Assembler::default();
        let mut events = parser.push(&stream.as_bytes()[..cut]);
        events.extend(parser.finish());
        for ev in events {
            if let SseEvent::Data(d) = ev {
                let _ = asm.apply(&d);
            }
        }
        assert!(!asm.complete(), "cut at {cut} taken as complete");
    }
}

#[test]
fn json_bodies_of_any_shape_give_a_message() {
    let bodies: Vec<String> = vec![
        String::new(),
        "null".into(),
        "[]".into(),
        "1e999".into(),
        "\"just a string\"".into(),
        r#"{"error":{"message":null,"code":1e400,"type":{"a":1},"param":[]}}"#.into(),
        r#"{"error":{"message":18446744073709551616}}"#.into(),
        r#"{"error":12}"#.into(),
        r#"{"message":["x"]}"#.into(),
        "\u{1b}[2J\u{1b}[31mhostile\u{7}".into(),
        "[".repeat(200_000),
        format!("{{\"error\":{{\"message\":\"{}\"}}}}", "m".repeat(1 << 20)),
        String::from_utf8_lossy(b"\xff\xfe{\"error\":\"x\"}").into_owned(),
    ];
    for body in &bodies {
        let e = wire::parse_error(body);
        assert!(!e.message.is_empty(), "{body:.80}");
        let completion = serde_json::from_str::<Value>(body).map(|v| wire::parse_completion(&v));
        if let Ok(Ok(c)) = completion {
            panic!("{body:.80} parsed as a completion: {c:?}");
        }
    }
    let completions = [
        r#"{"choices":[{"message":{"content":12,"tool_calls":[{"function":{"name":7,"arguments":null}}]}}]}"#,
        r#"{"choices":[{"message":{"tool_calls":"x"}}],"usage":{"prompt_tokens":-1}}"#,
        r#"{"choices":[{"message":{}}],"usage":{"prompt_tokens":1e300,"completion_tokens":"5"}}"#,
        r#"{"choices":[{"message":null}]}"#,
        r#"{"choices":{}}"#,
    ];
    for body in completions {
        let v: Value = serde_json::from_str(body).unwrap();
        let _ = wire::parse_completion(&v);
    }
}
