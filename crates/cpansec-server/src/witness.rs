//! The witness over HTTP (<https://c2sp.org/tlog-witness>): `POST
//! /add-checkpoint` and the monitoring endpoint `GET /<origin hash>/checkpoint`,
//! in front of [`cpansec_tlog::witness::Witness`], which does all the checking
//! and keeps the state.
//!
//! | request | response |
//! |---|---|
//! | `POST /add-checkpoint`, body at most [`MAX_REQUEST_SIZE`] bytes | 200 with the cosignature line(s); 400, 403, 404, 409 (`text/x.tlog.size`: the current size), 422 as the protocol says, with a one-line reason; 413 for a larger body |
//! | `GET /<hex SHA-256 of the origin>/checkpoint` | 200 with the latest cosigned checkpoint (the log's signatures and the witness's cosignature), 404 if none |
//!
//! Request bodies are not interpreted by content type (the protocol defines
//! none); responses are `text/plain; charset=utf-8` except the 409 body. The
//! state machine runs on the blocking thread pool: it `fsync`s before
//! answering.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cpansec_tlog::witness::{MAX_REQUEST_SIZE, Rejection, SIZE_CONTENT_TYPE, Witness};

const TEXT: &str = "text/plain; charset=utf-8";

/// The witness's routes, at the root of the submission and monitoring prefix.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .with_state(witness)
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let outcome = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body)).await;
    match outcome {
        Ok(Ok(cosigned)) => {
            eprintln!(
                "add-checkpoint: 200 cosigned {} size {}",
                cosigned.origin, cosigned.size
            );
            text(StatusCode::OK, TEXT, cosigned.signatures)
        }
        Ok(Err(rejection)) => {
            let status = StatusCode::from_u16(rejection.status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = rejection.to_string();
            eprintln!("add-checkpoint: {} {}", status.as_u16(), body.trim_end());
            let content_type = if matches!(rejection, Rejection::Conflict { .. }) {
                SIZE_CONTENT_TYPE
            } else {
                TEXT
            };
            text(status, content_type, body)
        }
        Err(e) => {
            eprintln!("add-checkpoint: 500 {e}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                TEXT,
                "witness error\n".into(),
            )
        }
    }
}

async fn checkpoint(State(witness): State<Arc<Witness>>, Path(hash): Path<String>) -> Response {
    let not_found = || text(StatusCode::NOT_FOUND, TEXT, "no checkpoint\n".into());
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return not_found();
    }
    match tokio::task::spawn_blocking(move || witness.latest_by_hash(&hash)).await {
        Ok(Ok(Some(latest))) => text(StatusCode::OK, TEXT, latest.note),
        Ok(Ok(None)) => not_found(),
        Ok(Err(e)) => {
            eprintln!("checkpoint: 500 {e}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                TEXT,
                "witness error\n".into(),
            )
        }
        Err(e) => {
            eprintln!("checkpoint: 500 {e}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                TEXT,
                "witness error\n".into(),
            )
        }
    }
}

/// Serves `witness` on `listener` until `shutdown` completes; requests under
/// way are finished first.
///
/// # Errors
/// I/O errors of the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(witness))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs the witness on `addr` until Ctrl-C or SIGTERM, on a runtime of its own;
/// `ready` is told the bound address (useful with port 0).
///
/// # Errors
/// Runtime, bind and listener errors.
pub fn run(
    witness: Witness,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        ready(listener.local_addr()?);
        serve(listener, Arc::new(witness), crate::serve::shutdown_signal()).await
    })
}
