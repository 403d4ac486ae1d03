//! The upload log's pages (`--log`): a real log built with the cpansec-tlog
//! API from the corpus's CHECKSUMS files plus synthetic uploads (one with
//! markup in its path), served beside the real database.

use std::path::Path;

use cpansec_meta::Checksums;
use cpansec_server::index::{E, Seg};
use cpansec_server::serve::Limits;
use cpansec_tlog::record::{hex32, records_from_checksums};
use cpansec_tlog::{Checkpoint, FileLog, UploadRecord, VerifierList, leaf_hash};

use crate::support::{Server, get, real, real_db_path, shared_dir, start_with_log};

/// An upload whose path carries markup (no space or slash: a path allows
/// neither inside a component).
pub const HOSTILE_PATH: &str = "authors/id/E/EV/EVIL/Evil\"onx='<script>alert(1)<-1.0.tar.gz";

fn synthetic(author: &str, dist: &str, version: &str, time: &str) -> UploadRecord {
    let path = format!(
        "authors/id/{}/{}/{author}/{dist}-{version}.tar.gz",
        &author[..1],
        &author[..2]
    );
    upload(&path, time)
}

fn upload(path: &str, time: &str) -> UploadRecord {
    let sha = hex32(leaf_hash(path.as_bytes()).as_bytes());
    UploadRecord::new(path, 1000 + path.len() as u64, &sha, time).unwrap()
}

/// A log in `dir`: the ANDK and BUSTER CHECKSUMS records, then `extra`
/// synthetic uploads, then the hostile one; appended in several batches.
pub fn build_log(dir: &Path, extra: usize) -> FileLog {
    let mut log = FileLog::init(dir, "example.org/cpan").unwrap();
    let mut corpus = Vec::new();
    for id in ["ANDK", "BUSTER"] {
        let file = shared_dir().join(format!("corpus/index/andk__cpanpm__{id}__CHECKSUMS"));
        let sums = Checksums::read(&file).unwrap();
        let dir = format!("authors/id/{}/{}/{id}", &id[..1], &id[..2]);
        corpus.extend(records_from_checksums(&dir, &sums).0);
    }
    assert!(corpus.len() > 40, "{}", corpus.len());
    log.append(&corpus).unwrap();
    let recs: Vec<_> = (0..extra)
        .map(|i| {
            synthetic(
                "TESTER",
                &format!("Dist-{i}"),
                "1.0",
                "2026-12-02T09:00:00Z",
            )
        })
        .collect();
    for chunk in recs.chunks(97) {
        log.append(chunk).unwrap();
    }
    log.append(&[upload(HOSTILE_PATH, "2026-12-02")]).unwrap();
    log
}

/// A server over the real database with a log of ~300 entries.
pub fn log_server() -> (Server, tempfile::TempDir, FileLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = build_log(dir.path(), 200);
    let s = start_with_log(
        &real_db_path(),
        None,
        Limits::default(),
        None,
        Some(dir.path()),
    );
    (s, dir, log)
}

/// The entry numbers in the first column of the uploads table, in order.
fn listed_entries(page: &str) -> Vec<u64> {
    page.split("<tr><td>")
        .skip(1)
        .filter_map(|row| row.split("</td>").next()?.parse().ok())
        .collect()
}

fn checkpoint_of(log: &FileLog) -> Checkpoint {
    let list = VerifierList::new(vec![Box::new(log.verifier())]);
    Checkpoint::open(log.checkpoint().as_bytes(), log.origin(), &list)
        .unwrap()
        .0
}

#[test]
fn uploads_page_lists_the_newest_entries_and_pages_back() {
    let (s, _dir, log) = log_server();
    let size = log.size();
    assert!(size > 2 * 50 + 10, "{size}");
    let r = get(s.addr, "/uploads");
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    let page = r.text();
    assert!(page.contains(&format!("<b>{size}</b> entries")), "{page}");
    // The newest 50, newest first: the hostile upload on top, escaped.
    let listed = listed_entries(&page);
    let want: Vec<u64> = (size - 50..size).rev().collect();
    assert_eq!(listed, want);
    assert!(page.contains(&E(HOSTILE_PATH).to_string()));
    assert!(
        !page.contains("<script>"),
        "markup of a path reached the page"
    );
    assert!(!page.contains("\"onx") && !page.contains("'<"));
    let newest_synthetic = String::from_utf8(log.entry(size - 2).unwrap()).unwrap();
    let path = UploadRecord::parse(newest_synthetic.as_bytes())
        .unwrap()
        .path()
        .to_string();
    assert!(page.contains(&format!("href=\"/uploads/lookup?path={}\"", Seg(&path))));
    // Older: the link names the oldest entry shown.
    let older = format!("/uploads?before={}", size - 50);
    assert!(
        page.contains(&format!("href=\"{older}\"")),
        "no link to {older}"
    );
    let page2 = get(s.addr, &older).text();
    let listed2 = listed_entries(&page2);
    assert_eq!(listed2, (size - 100..size - 50).rev().collect::<Vec<_>>());
    assert!(page2.contains("href=\"/uploads\""));
    // The first page of the log: entries 49..0, no older link; entry 0 is
    // the first CHECKSUMS record.
    let first = get(s.addr, "/uploads?before=50").text();
    assert_eq!(listed_entries(&first), (0..50).rev().collect::<Vec<_>>());
    assert!(!first.contains("rel=\"next\""));
    let entry0 = UploadRecord::parse(&log.entry(0).unwrap()).unwrap();
    assert!(first.contains(&E(entry0.path()).to_string()));
    assert!(first.contains(&hex32(entry0.sha256())));
    // Past the end is the newest page; nonsense is a 400 page.
    assert_eq!(
        listed_entries(&get(s.addr, "/uploads?before=999999999").text()),
        want
    );
    let bad = get(s.addr, "/uploads?before=%3Cb%3E");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("&lt;b&gt;"));
}

#[test]
fn checkpoint_page_matches_the_log() {
    let (s, _dir, log) = log_server();
    let cp = checkpoint_of(&log);
    let r = get(s.addr, "/uploads/checkpoint");
    assert_eq!(r.status, 200);
    let page = r.text();
    assert!(page.contains(&format!(
        "<tr><th>Tree size</th><td>{}</td></tr>",
        cp.size()
    )));
    assert!(page.contains(&cp.root().to_base64()), "root hash");
    assert!(
        page.contains(&hex32(cp.root().as_bytes())),
        "root hash in hex"
    );
    assert!(page.contains("<code>example.org/cpan</code>"));
    // The log's key, by name and id (the id is in the verifier key).
    let vkey = log.verifier().vkey();
    let key_id = vkey.split('+').nth(1).unwrap();
    assert!(
        page.contains(&format!(
            "<code>example.org/cpan</code> key id <code>{key_id}</code>: the log&#39;s signature"
        )),
        "{page}"
    );
    // The note as served by the tlog endpoint.
    let served = get(s.addr, "/log/checkpoint").text();
    assert_eq!(served, log.checkpoint());
    assert!(page.contains(&E(&served).to_string()));
    assert!(page.contains("<tr><th>Published</th><td>20"));
}

#[test]
fn lookup_finds_a_record_links_its_proof_and_answers_404() {
    let (s, _dir, log) = log_server();
    let n = 7;
    let rec = UploadRecord::parse(&log.entry(n).unwrap()).unwrap();
    let r = get(s.addr, &format!("/uploads/lookup?path={}", Seg(rec.path())));
    assert_eq!(r.status, 200);
    let page = r.text();
    assert!(
        page.contains(&format!("<tr><th>Entry</th><td>{n}</td></tr>")),
        "{page}"
    );
    assert!(page.contains(&hex32(rec.sha256())));
    assert!(page.contains(&format!("{} bytes", rec.size())));
    assert!(page.contains(&E(rec.author()).to_string()));
    let proof_link = format!("/log/lookup?path={}", Seg(rec.path()));
    assert!(page.contains(&format!("href=\"{proof_link}\"")));
    // The link answers the machine-readable proof of the same entry.
    let proof = get(s.addr, &proof_link);
    assert_eq!(proof.status, 200);
    let proof = cpansec_tlog::TlogProof::parse(&proof.body).unwrap();
    assert_eq!(proof.index, n);
    assert_eq!(proof.extra.as_deref(), Some(rec.to_bytes().as_slice()));

    // The hostile path: found, escaped.
    let r = get(
        s.addr,
        &format!("/uploads/lookup?path={}", Seg(HOSTILE_PATH)),
    );
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("<script>"));
    assert!(r.text().contains("&lt;script&gt;alert(1)&lt;"));

    // Unknown: a 404 page that says so, the asked path escaped.
    let r = get(
        s.addr,
        &format!(
            "/uploads/lookup?path={}",
            Seg("authors/id/N/NO/NOBODY/<i>Nope-1.0.tar.gz")
        ),
    );
    assert_eq!(r.status, 404);
    assert!(r.text().contains("Not logged"));
    assert!(r.text().contains("&lt;i&gt;Nope-1.0.tar.gz"));
    assert!(!r.text().contains("<i>"));

    // By file name.
    let file = rec.path().rsplit('/').next().unwrap();
    let r = get(s.addr, &format!("/uploads/lookup?name={}", Seg(file)));
    assert_eq!(r.status, 200);
    assert!(r.text().contains(&format!(
        "href=\"/uploads/lookup?path={}\"",
        Seg(rec.path())
    )));
    assert!(r.text().contains(&format!("entry {n}")));
    assert_eq!(
        get(s.addr, "/uploads/lookup?name=Nope-9.tar.gz").status,
        404
    );
    // The form, without a question.
    let form = get(s.addr, "/uploads/lookup");
    assert_eq!(form.status, 200);
    assert!(
        form.text()
            .contains("action=\"/uploads/lookup\" method=\"get\"")
    );
    assert!(form.text().contains("name=\"path\""));
}

#[test]
fn new_entries_appear_without_restart() {
    let (s, dir, log) = log_server();
    let before = log.size();
    drop(log);
    // Another writer appends (the server's sequencer is idle).
    let mut writer = FileLog::open(dir.path()).unwrap();
    let rec = synthetic("LATER", "Late-Dist", "2.0", "2026-12-02T10:00:00Z");
    writer.append(std::slice::from_ref(&rec)).unwrap();
    let cp = checkpoint_of(&writer);
    assert_eq!(cp.size(), before + 1);
    let page = get(s.addr, "/uploads").text();
    assert_eq!(listed_entries(&page).first(), Some(&before));
    assert!(page.contains(&E(rec.path()).to_string()));
    let page = get(s.addr, "/uploads/checkpoint").text();
    assert!(page.contains(&cp.root().to_base64()));
    let r = get(s.addr, &format!("/uploads/lookup?path={}", Seg(rec.path())));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text()
            .contains(&format!("<tr><th>Entry</th><td>{before}</td></tr>"))
    );
    // The tlog endpoints see it too.
    assert_eq!(get(s.addr, "/log/checkpoint").text(), writer.checkpoint());
    assert_eq!(
        get(s.addr, &format!("/log/lookup?path={}", Seg(rec.path()))).status,
        200
    );
}

#[test]
fn every_page_links_the_log_only_when_one_is_mounted() {
    let (s, _dir, _log) = log_server();
    for path in [
        "/",
        "/advisories/CPANSA-HTTP-Body-2013-4407",
        "/dists/HTTP-Body",
        "/backlog",
        "/nope",
        "/uploads",
    ] {
        let page = get(s.addr, path).text();
        assert!(
            page.contains("<a href=\"/uploads\">Upload log</a>"),
            "{path}"
        );
    }
    let plain = real();
    for path in [
        "/",
        "/advisories/CPANSA-HTTP-Body-2013-4407",
        "/dists/HTTP-Body",
        "/nope",
    ] {
        let page = get(plain.addr, path).text();
        assert!(
            !page.contains("/uploads"),
            "{path} links the log without one"
        );
    }
    let r = get(plain.addr, "/uploads");
    assert_eq!(r.status, 404);
    assert_eq!(get(plain.addr, "/uploads/lookup?path=x").status, 404);
    assert_eq!(get(plain.addr, "/log/checkpoint").status, 404);
}
