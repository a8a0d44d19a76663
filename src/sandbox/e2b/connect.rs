//! Connect-RPC framing and the protobuf JSON messages vibe exchanges with envd. Pure data:
//! no I/O here, so the framing is tested on its own.
//!
//! A server-streaming call sends one enveloped message and receives envelopes: 1 flags byte,
//! a 4-byte big-endian length, the payload. Flags `0x02` marks the end-of-stream message,
//! whose JSON payload carries the call's error, if any (inside an HTTP 200).

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// Flags of the end-of-stream envelope.
pub const END_STREAM: u8 = 0x02;
/// Largest envelope accepted (envd's messages are small; output comes in chunks).
const MAX_ENVELOPE: usize = 16 * 1024 * 1024;

/// Wraps a message in an envelope (flags 0).
pub fn envelope(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5);
    out.push(0);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Reassembles envelopes from a byte stream whose chunks do not line up with them.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    /// Adds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete envelope (flags, payload), if one is buffered.
    pub fn next(&mut self) -> Result<Option<(u8, Vec<u8>)>, String> {
        if self.buf.len() < 5 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]) as usize;
        if len > MAX_ENVELOPE {
            return Err(format!("a stream message of {len} bytes is larger than allowed"));
        }
        if self.buf.len() < 5 + len {
            return Ok(None);
        }
        let flags = self.buf[0];
        let payload = self.buf[5..5 + len].to_vec();
        self.buf.drain(..5 + len);
        Ok(Some((flags, payload)))
    }

    /// Bytes left over that do not make a whole envelope.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// `process.ProcessConfig`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcessConfig {
    pub cmd: String,
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub envs: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// `process.StartRequest` (stdin closed).
#[derive(Debug, Clone, Serialize)]
pub struct StartRequest {
    pub process: ProcessConfig,
    pub stdin: bool,
}

/// One `process.ProcessEvent`, as decoded from a `StartResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessEvent {
    Start { pid: u32 },
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    End { exit_code: i32, exited: bool, status: String },
    Keepalive,
}

#[derive(Debug, Deserialize)]
struct StartResponse {
    #[serde(default)]
    event: Option<RawEvent>,
}

#[derive(Debug, Deserialize)]
struct RawEvent {
    #[serde(default)]
    start: Option<RawStart>,
    #[serde(default)]
    data: Option<RawData>,
    #[serde(default)]
    end: Option<RawEnd>,
    #[serde(default)]
    keepalive: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct RawStart {
    #[serde(default)]
    pid: u32,
}

#[derive(Debug, Deserialize)]
struct RawData {
    #[serde(default)]
    stdout: Option<String>,
    #[serde(default)]
    stderr: Option<String>,
    #[serde(default)]
    pty: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawEnd {
    #[serde(default, alias = "exit_code")]
    #[serde(rename = "exitCode")]
    exit_code: i32,
    #[serde(default)]
    exited: bool,
    #[serde(default)]
    status: String,
}

/// Decodes a `StartResponse` payload; `None` for an event vibe does not know (ignored).
pub fn decode_event(payload: &[u8]) -> Result<Option<ProcessEvent>, String> {
    let resp: StartResponse =
        serde_json::from_slice(payload).map_err(|e| format!("a process event is not valid JSON: {e}"))?;
    let Some(event) = resp.event else { return Ok(None) };
    if let Some(start) = event.start {
        return Ok(Some(ProcessEvent::Start { pid: start.pid }));
    }
    if let Some(data) = event.data {
        if let Some(out) = data.stdout.or(data.pty) {
            return Ok(Some(ProcessEvent::Stdout(bytes(&out)?)));
        }
        if let Some(err) = data.stderr {
            return Ok(Some(ProcessEvent::Stderr(bytes(&err)?)));
        }
        return Ok(None);
    }
    if let Some(end) = event.end {
        return Ok(Some(ProcessEvent::End {
            exit_code: end.exit_code,
            exited: end.exited,
            status: end.status,
        }));
    }
    Ok(event.keepalive.map(|_| ProcessEvent::Keepalive))
}

/// A protobuf `bytes` field: standard base64 with padding (URL-safe accepted too).
pub fn bytes(text: &str) -> Result<Vec<u8>, String> {
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    engines
        .iter()
        .find_map(|e| e.decode(text).ok())
        .ok_or_else(|| "process output is not valid base64".to_string())
}

/// A Connect error: the end-of-stream message's `error`, or a unary call's error body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConnectError {
    /// A lower_snake Connect code (`deadline_exceeded`, `not_found`, …).
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
struct EndOfStream {
    #[serde(default)]
    error: Option<ConnectError>,
}

/// Decodes the end-of-stream payload: `Some` when the call failed.
pub fn decode_end_of_stream(payload: &[u8]) -> Result<Option<ConnectError>, String> {
    if payload.is_empty() {
        return Ok(None);
    }
    let end: EndOfStream =
        serde_json::from_slice(payload).map_err(|e| format!("the end of a stream is not valid JSON: {e}"))?;
    Ok(end.error)
}

/// `filesystem.EntryInfo`, the fields vibe uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryInfo {
    /// `FILE_TYPE_FILE`, `FILE_TYPE_DIRECTORY`, `FILE_TYPE_SYMLINK` (absent when unspecified).
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub path: String,
    /// int64: a JSON string.
    #[serde(default, deserialize_with = "int64")]
    pub size: u64,
    #[serde(default)]
    pub mode: u32,
    #[serde(default)]
    pub modified_time: String,
    #[serde(default)]
    pub symlink_target: Option<String>,
    #[serde(default)]
    pub is_symlink: bool,
}

/// `ListDir`'s response.
#[derive(Debug, Default, Deserialize)]
pub struct ListDirResponse {
    #[serde(default)]
    pub entries: Vec<EntryInfo>,
}

fn int64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        Text(String),
        Number(u64),
    }
    match Num::deserialize(d)? {
        Num::Number(n) => Ok(n),
        Num::Text(t) => t.parse().map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The response to `echo hi; echo oops >&2; exit 3`, as envd sends it.
    fn sample() -> Vec<u8> {
        let mut out = Vec::new();
        for m in [
            r#"{"event":{"start":{"pid":19875}}}"#,
            r#"{"event":{"data":{"stdout":"aGkK"}}}"#,
            r#"{"event":{"keepalive":{}}}"#,
            r#"{"event":{"data":{"stderr":"b29wcwo="}}}"#,
            r#"{"event":{"end":{"exitCode":3,"exited":true,"status":"exit status 3","error":"exit status 3"}}}"#,
        ] {
            out.extend(envelope(m.as_bytes()));
        }
        out.push(END_STREAM);
        out.extend_from_slice(&2u32.to_be_bytes());
        out.extend_from_slice(b"{}");
        out
    }

    #[test]
    fn envelopes_are_reassembled_whatever_the_chunks() {
        let bytes = sample();
        for chunk in [1, 3, 7, bytes.len()] {
            let mut d = Decoder::default();
            let mut events = Vec::new();
            let mut end = None;
            for piece in bytes.chunks(chunk) {
                d.push(piece);
                while let Some((flags, payload)) = d.next().unwrap() {
                    if flags & END_STREAM != 0 {
                        end = Some(decode_end_of_stream(&payload).unwrap());
                    } else if let Some(e) = decode_event(&payload).unwrap() {
                        events.push(e);
                    }
                }
            }
            assert_eq!(d.pending(), 0);
            assert_eq!(end, Some(None));
            assert_eq!(
                events,
                [
                    ProcessEvent::Start { pid: 19875 },
                    ProcessEvent::Stdout(b"hi\n".to_vec()),
                    ProcessEvent::Keepalive,
                    ProcessEvent::Stderr(b"oops\n".to_vec()),
                    ProcessEvent::End { exit_code: 3, exited: true, status: "exit status 3".into() },
                ]
            );
        }
    }

    #[test]
    fn zero_values_left_out_decode_to_defaults_and_errors_come_in_the_end_message() {
        let e = decode_event(br#"{"event":{"end":{"exited":true,"status":"exit status 0"}}}"#).unwrap();
        assert_eq!(e, Some(ProcessEvent::End { exit_code: 0, exited: true, status: "exit status 0".into() }));
        assert_eq!(decode_event(br#"{"event":{"future":{}}}"#).unwrap(), None);
        let err = decode_end_of_stream(br#"{"error":{"code":"deadline_exceeded","message":"too slow"}}"#)
            .unwrap()
            .unwrap();
        assert_eq!(err.code, "deadline_exceeded");
        let entries: ListDirResponse = serde_json::from_str(
            r#"{"entries":[{"name":"a","type":"FILE_TYPE_FILE","path":"/h/a","size":"4096","mode":420,"modifiedTime":"2026-01-01T00:00:00.5Z","new":1}]}"#,
        )
        .unwrap();
        assert_eq!((entries.entries[0].size, entries.entries[0].mode), (4096, 420));
    }

    #[test]
    fn an_oversized_envelope_is_refused() {
        let mut d = Decoder::default();
        d.push(&[0, 0xff, 0xff, 0xff, 0xff]);
        assert!(d.next().is_err());
    }
}
