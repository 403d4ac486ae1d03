//! The log's HTTP endpoints, driven through the router: a real log built from
//! the corpus's CHECKSUMS files plus appended records.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failure is a test failure

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use cpansec_meta::Checksums;
use cpansec_server::tlog::router;
use cpansec_tlog::record::{hex32, records_from_checksums};
use cpansec_tlog::tile::{Tile, TileKind, TileStorage};
use cpansec_tlog::verify::{Trust, verify_lookup};
use cpansec_tlog::{Ed25519Signer, FileLog, FileTiles, TlogProof, UploadRecord, leaf_hash, note};
use tower::ServiceExt;

fn shared() -> PathBuf {
    cpansec_test_support::shared()
}

/// The records of the corpus's ANDK and BUSTER CHECKSUMS files.
fn corpus_records() -> Vec<UploadRecord> {
    let mut out = Vec::new();
    for id in ["ANDK", "BUSTER"] {
        let file = shared().join(format!("corpus/index/andk__cpanpm__{id}__CHECKSUMS"));
        let sums = Checksums::read(&file).unwrap();
        let dir = format!("authors/id/{}/{}/{id}", &id[..1], &id[..2]);
        out.extend(records_from_checksums(&dir, &sums).0);
    }
    assert!(out.len() > 40, "{}", out.len());
    out
}

fn synthetic(author: &str, dist: &str, version: &str) -> UploadRecord {
    let path = format!(
        "authors/id/{}/{}/{author}/{dist}-{version}.tar.gz",
        &author[..1],
        &author[..2]
    );
    let sha = hex32(leaf_hash(path.as_bytes()).as_bytes());
    UploadRecord::new(
        &path,
        1000 + path.len() as u64,
        &sha,
        "2026-12-02T09:00:00Z",
    )
    .unwrap()
}

/// A log of the corpus records and `extra` synthetic ones, appended in batches.
fn build_log(dir: &Path, extra: usize) -> FileLog {
    let mut log = FileLog::init(dir, "example.org/cpan").unwrap();
    log.append(&corpus_records()).unwrap();
    let recs: Vec<_> = (0..extra)
        .map(|i| synthetic("TESTER", &format!("Dist-{i}"), "1.0"))
        .collect();
    for chunk in recs.chunks(100) {
        log.append(chunk).unwrap();
    }
    log
}

async fn get(app: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

fn header<'a>(h: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    h.get(name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn serves_checkpoint_and_tiles() {
    let tmp = tempfile::tempdir().unwrap();
    let log = build_log(tmp.path(), 600);
    let size = log.size();
    assert!(size > 512, "{size}");
    let files = FileTiles::new(tmp.path());
    let cp_text = log.checkpoint().to_string();
    drop(log);
    let app = router(tmp.path()).unwrap();

    let (st, h, body) = get(&app, "/checkpoint").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header(&h, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(header(&h, "cache-control"), "no-cache");
    assert_eq!(String::from_utf8(body).unwrap(), cp_text);

    // Every tile and bundle of the published tree, byte for byte, with its
    // caching.
    let mut served = 0;
    for kind in [TileKind::Hashes(0), TileKind::Hashes(1), TileKind::Entries] {
        for k in 0.. {
            let Some(t) = Tile::at_size(kind, k, size) else {
                break;
            };
            let (st, h, body) = get(&app, &format!("/{}", t.path())).await;
            assert_eq!(st, StatusCode::OK, "{}", t.path());
            assert_eq!(header(&h, "content-type"), "application/octet-stream");
            let want_cache = if t.is_full() {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=60"
            };
            assert_eq!(header(&h, "cache-control"), want_cache, "{}", t.path());
            assert_eq!(body, files.read_tiles(&[t]).unwrap()[0], "{}", t.path());
            served += 1;
        }
    }
    assert!(served >= 7, "{served}");

    // A partial tile of an earlier published size is still served (it is a
    // prefix of the current tile); one of a size never published is not.
    // (The last batch added 100 records within the same tile.)
    let cut = size % 256;
    assert!(cut > 100, "{cut}");
    let earlier_w = u16::try_from(cut - 100).unwrap();
    let earlier = Tile::new(TileKind::Hashes(0), size / 256, earlier_w).unwrap();
    let (st, _, _) = get(&app, &format!("/{}", earlier.path())).await;
    assert_eq!(st, StatusCode::OK, "{}", earlier.path());
    let never = Tile::new(TileKind::Hashes(0), size / 256, earlier_w + 1).unwrap();
    assert_eq!(
        get(&app, &format!("/{}", never.path())).await.0,
        StatusCode::NOT_FOUND
    );

    // Past the published tree: 404, even when a file is there (a crashed
    // batch's leftovers).
    let beyond = Tile::new(TileKind::Hashes(0), size / 256 + 1, 3).unwrap();
    std::fs::create_dir_all(files.file(&beyond).parent().unwrap()).unwrap();
    std::fs::write(files.file(&beyond), [0u8; 96]).unwrap();
    assert_eq!(
        get(&app, &format!("/{}", beyond.path())).await.0,
        StatusCode::NOT_FOUND
    );
    let wider = Tile::new(TileKind::Entries, size / 256, (cut + 1) as u16).unwrap();
    assert_eq!(
        get(&app, &format!("/{}", wider.path())).await.0,
        StatusCode::NOT_FOUND
    );
    let full = Tile::new(TileKind::Hashes(0), size / 256, 256).unwrap();
    assert_eq!(
        get(&app, &format!("/{}", full.path())).await.0,
        StatusCode::NOT_FOUND
    );

    // Malformed paths are refused, and nothing outside tile/ can be named.
    for bad in [
        "/tile/0/0",
        "/tile/0/0000",
        "/tile/00/000",
        "/tile/64/000",
        "/tile/0/x000/001",
        "/tile/0/001.p/0",
        "/tile/0/001.p/256",
        "/tile/0/001.p/01",
        "/tile/0/../../log.key",
        "/tile/entries/..%2F..%2Flog.key",
        "/tile/entries/000/",
        "/tile/x/000",
        "/tile/0/-01",
    ] {
        let (st, _, body) = get(&app, bad).await;
        assert!(
            st == StatusCode::BAD_REQUEST || st == StatusCode::NOT_FOUND,
            "{bad}: {st}"
        );
        assert!(!String::from_utf8_lossy(&body).contains("PRIVATE"), "{bad}");
    }
    assert_eq!(get(&app, "/tile/0/0").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(get(&app, "/log.key").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/index").await.0, StatusCode::NOT_FOUND);
}

fn signed_record(signer: &Ed25519Signer, r: &UploadRecord) -> Vec<u8> {
    note::sign(
        &note::Note::new(r.to_string()),
        &[signer as &dyn note::Signer],
    )
    .unwrap()
    .into_bytes()
}

fn add_request(body: Vec<u8>) -> Request<Body> {
    Request::post("/add").body(Body::from(body)).unwrap()
}

fn dir_state(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(dir.join("checkpoint")).unwrap(),
        std::fs::read(dir.join("index")).unwrap(),
    )
}

#[tokio::test]
async fn submission_is_authenticated_and_sequenced() {
    let tmp = tempfile::tempdir().unwrap();
    let log = build_log(tmp.path(), 300);
    let vkey = log.verifier();
    let size0 = log.size();
    drop(log);
    let submitter = Ed25519Signer::generate("pause.example.org").unwrap();
    let stranger = Ed25519Signer::generate("pause.example.org").unwrap();
    let record = synthetic("NEWBIE", "Acme-Fresh", "0.01");

    // No submitters file: every submission is refused.
    let app = router(tmp.path()).unwrap();
    let before = dir_state(tmp.path());
    let (st, _, _) = send(&app, add_request(signed_record(&submitter, &record))).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(dir_state(tmp.path()), before);
    drop(app);

    std::fs::write(
        tmp.path().join("submitters"),
        format!("# PAUSE\n\n{}\n", submitter.verifier().vkey()),
    )
    .unwrap();
    let app = router(tmp.path()).unwrap();
    // Unsigned, signed by another key, tampered after signing, not a record.
    let unsigned = record.to_string().into_bytes();
    let other = signed_record(&stranger, &record);
    let tampered = String::from_utf8(signed_record(&submitter, &record))
        .unwrap()
        .replace("size 1", "size 2")
        .into_bytes();
    let not_record = note::sign(
        &note::Note::new("hello\n"),
        &[&submitter as &dyn note::Signer],
    )
    .unwrap()
    .into_bytes();
    for (body, want) in [
        (unsigned, StatusCode::BAD_REQUEST),
        (other, StatusCode::FORBIDDEN),
        (tampered, StatusCode::FORBIDDEN),
        (not_record, StatusCode::BAD_REQUEST),
        (vec![b'x'; 70 << 10], StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let (st, _, msg) = send(&app, add_request(body)).await;
        assert_eq!(st, want, "{}", String::from_utf8_lossy(&msg));
        assert_eq!(dir_state(tmp.path()), before);
    }

    // Accepted: integrated, with a proof that checks against the log's key.
    let (st, h, body) = send(&app, add_request(signed_record(&submitter, &record))).await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&h, "cpansec-outcome"), "added");
    let proof = TlogProof::parse(&body).unwrap();
    assert_eq!(proof.index, size0);
    let files = FileTiles::new(tmp.path());
    let v = verify_lookup("test", &proof, &Trust::Key(&vkey), None, &files).unwrap();
    assert_eq!(v.record, record);
    assert_eq!(v.size, size0 + 1);
    assert_ne!(dir_state(tmp.path()), before);

    // The same again: a duplicate; another hash under the path: a conflict.
    let (st, h, body) = send(&app, add_request(signed_record(&submitter, &record))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header(&h, "cpansec-outcome"), "duplicate");
    assert_eq!(TlogProof::parse(&body).unwrap().index, size0);
    let evil = UploadRecord::new(record.path(), 5, &"ab".repeat(32), record.time()).unwrap();
    let after_one = dir_state(tmp.path());
    let (st, h, _) = send(&app, add_request(signed_record(&submitter, &evil))).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(header(&h, "cpansec-outcome"), "conflict");
    assert_eq!(dir_state(tmp.path()), after_one);

    // Concurrent submissions: each gets its own entry, all provable.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = app.clone();
        let body = signed_record(&submitter, &synthetic("BATCHER", &format!("B-{i}"), "1"));
        tasks.push(tokio::spawn(
            async move { send(&app, add_request(body)).await },
        ));
    }
    let mut indexes = Vec::new();
    for t in tasks {
        let (st, _, body) = t.await.unwrap();
        assert_eq!(st, StatusCode::OK);
        let p = TlogProof::parse(&body).unwrap();
        verify_lookup("test", &p, &Trust::Key(&vkey), None, &files).unwrap();
        indexes.push(p.index);
    }
    indexes.sort_unstable();
    assert_eq!(indexes, (size0 + 1..size0 + 41).collect::<Vec<_>>());
    drop(app);
    let reopened = FileLog::open(tmp.path()).unwrap();
    assert_eq!(reopened.size(), size0 + 41);
}

#[tokio::test]
async fn lookup_with_proof_survives_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let log = build_log(tmp.path(), 20);
    let vkey = log.verifier();
    let first_cp = log.checkpoint().to_string();
    drop(log);
    let app = router(tmp.path()).unwrap();
    let want = corpus_records()[3].clone();
    let uri = format!("/lookup?path={}", want.path());
    let (st, h, body) = get(&app, &uri).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(header(&h, "content-type"), "text/plain; charset=utf-8");
    let proof = TlogProof::parse(&body).unwrap();
    assert_eq!(proof.index, 3);
    let files = FileTiles::new(tmp.path());
    let v = verify_lookup("t", &proof, &Trust::Key(&vkey), Some(&first_cp), &files).unwrap();
    assert_eq!(v.record, want);
    // A proof whose record was swapped does not verify.
    let mut forged = proof.clone();
    forged.extra = Some(corpus_records()[4].to_bytes());
    assert!(verify_lookup("t", &forged, &Trust::Key(&vkey), None, &files).is_err());

    let name = want.path().rsplit('/').next().unwrap();
    let (st, _, body) = get(&app, &format!("/lookup?name={name}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        format!("{}\n", want.path())
    );
    assert_eq!(
        get(&app, "/lookup?path=authors/id/N/NO/NOBODY/X-1.tar.gz")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app, "/lookup").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&app, "/lookup?name=Nope-1.tar.gz").await.0,
        StatusCode::NOT_FOUND
    );

    // Append through the sequencer, restart, and look the new entry up.
    let submitter = Ed25519Signer::generate("pause.example.org").unwrap();
    drop(app);
    std::fs::write(tmp.path().join("submitters"), submitter.verifier().vkey()).unwrap();
    let app = router(tmp.path()).unwrap();
    let fresh = synthetic("LATE", "Late-Dist", "2.0");
    let (st, _, _) = send(&app, add_request(signed_record(&submitter, &fresh))).await;
    assert_eq!(st, StatusCode::OK);
    drop(app);
    let app = router(tmp.path()).unwrap();
    let (st, _, body) = get(&app, &format!("/lookup?path={}", fresh.path())).await;
    assert_eq!(st, StatusCode::OK);
    let p = TlogProof::parse(&body).unwrap();
    let v = verify_lookup("t", &p, &Trust::Key(&vkey), Some(&first_cp), &files).unwrap();
    assert_eq!(v.record, fresh);
}

#[test]
fn refuses_a_broken_log_or_submitters_file() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(router(tmp.path()).is_err());
    drop(build_log(tmp.path(), 0));
    std::fs::write(tmp.path().join("submitters"), "# ok\nnot-a-key\n").unwrap();
    let err = router(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("submitters:2"), "{err}");
}
