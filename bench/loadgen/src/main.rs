//! sciday-loadgen: replay a file of requests over N keep-alive HTTP/1.1 connections.
//!
//! Usage: sciday-loadgen HOST:PORT REQUESTS_FILE CONNECTIONS OUT_CSV [HEADER...]
//!
//! REQUESTS_FILE has one request per line: `METHOD PATH [JSON-BODY]`. Each line is sent exactly
//! once; connections take the next unsent line (closed loop: a connection sends its next request
//! when the previous answer arrived). OUT_CSV gets `start_us,latency_us,status` per request, with
//! start relative to the run's start, so throughput and latency can be plotted over time.
//! Extra arguments are sent as request headers (`Name: value`). A line may carry headers of its
//! own after a tab each (`METHOD PATH BODY<TAB>Authorization: Bearer ...`): a verified session
//! per person. A line may start with `@<microseconds> `: it is not sent before that offset from
//! the run's start (paced polls: each person asks at the page's interval). Lines so marked must be
//! in schedule order; a connection that takes a line early waits for its time, so the pace holds
//! while the server keeps up, and the CSV's `sched_us` shows how late each request left when it
//! does not. Std only: no crates needed.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Sample { start_us: u64, latency_us: u64, status: u16, sched_us: u64 }

fn read_response(reader: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
    }
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() { break; }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") { length = v.trim().parse().unwrap_or(0); }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") { chunked = true; }
    }
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            let mut buf = vec![0u8; size + 2];
            reader.read_exact(&mut buf)?;
            if size == 0 { break; }
        }
    } else {
        let mut buf = vec![0u8; length];
        reader.read_exact(&mut buf)?;
    }
    Ok(status)
}

fn connect(addr: &str) -> (TcpStream, BufReader<TcpStream>) {
    loop {
        match TcpStream::connect(addr) {
            Ok(s) => {
                s.set_nodelay(true).ok();
                s.set_read_timeout(Some(Duration::from_secs(30))).ok();
                let r = BufReader::with_capacity(16384, s.try_clone().unwrap());
                return (s, r);
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: sciday-loadgen HOST:PORT REQUESTS_FILE CONNECTIONS OUT_CSV [HEADER...]");
        std::process::exit(2);
    }
    let addr = args[1].clone();
    let text = std::fs::read_to_string(&args[2]).expect("requests file");
    let conns: usize = args[3].parse().expect("connections");
    let headers: String = args[5..].iter().map(|h| format!("{}\r\n", h)).collect();
    let host = addr.clone();
    let requests: Arc<Vec<(u64, Vec<u8>)>> = Arc::new(text.lines().filter(|l| !l.is_empty()).map(|l| {
        let (sched, l) = match l.strip_prefix('@') {
            Some(rest) => {
                let (at, tail) = rest.split_once(' ').expect("@<us> METHOD PATH");
                (at.parse::<u64>().expect("@<us>"), tail)
            }
            None => (0, l),
        };
        let mut fields = l.split('\t');
        let line = fields.next().unwrap();
        let own: String = fields.map(|h| format!("{}\r\n", h)).collect();
        let mut parts = line.splitn(3, ' ');
        let method = parts.next().unwrap();
        let path = parts.next().unwrap_or("/");
        let body = parts.next().unwrap_or("");
        let mut req = format!("{} {} HTTP/1.1\r\nHost: {}\r\n{}{}", method, path, host, headers, own);
        if !body.is_empty() {
            req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        (sched, req.into_bytes())
    }).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let samples = Arc::new(Mutex::new(Vec::with_capacity(requests.len())));
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..conns {
        let (requests, next, samples, addr) = (requests.clone(), next.clone(), samples.clone(), addr.clone());
        handles.push(std::thread::spawn(move || {
            let (mut stream, mut reader) = connect(&addr);
            let mut local = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests.len() { break; }
                let (sched, ref req) = requests[i];
                let due = t0 + Duration::from_micros(sched);
                let now = Instant::now();
                if due > now { std::thread::sleep(due - now); }
                let start = Instant::now();
                // No retry: a POST may have been applied. A broken connection counts as status 0.
                let status = match stream.write_all(req).and_then(|_| read_response(&mut reader)) {
                    Ok(s) => s,
                    Err(_) => { let c = connect(&addr); stream = c.0; reader = c.1; 0 }
                };
                local.push(Sample { start_us: (start - t0).as_micros() as u64,
                                    latency_us: start.elapsed().as_micros() as u64, status, sched_us: sched });
            }
            samples.lock().unwrap().extend(local);
        }));
    }
    for h in handles { h.join().unwrap(); }
    let elapsed = t0.elapsed().as_secs_f64();
    let samples = samples.lock().unwrap();
    let mut out = String::from("start_us,latency_us,status,sched_us\n");
    for s in samples.iter() { out.push_str(&format!("{},{},{},{}\n", s.start_us, s.latency_us, s.status, s.sched_us)); }
    std::fs::write(&args[4], out).expect("write csv");
    println!("{} requests in {:.3} s", samples.len(), elapsed);
}
