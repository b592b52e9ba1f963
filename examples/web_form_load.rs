//! Web-to-lead under load, all on 127.0.0.1: visitors post a web form as fast as the server
//! answers (each with a fresh signed token, a new email, so every post creates a lead after
//! the duplicate check), then bots post with the honeypot filled (quarantined) and from an
//! origin not allowed (refused). Prints submissions/s and p50/p95/p99 of each.
//!
//! cargo run --release --features ssr --example web_form_load -- \
//!     --address http://127.0.0.1:3400 --key FORMKEY --seconds 10 --concurrency 8

use clap::Parser;
use reqwest::Client;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:3400")]
    address: String,
    /// The form's public key (its origins must allow https://shop.example).
    #[arg(long)]
    key: String,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visitor {
    Person,
    Honeypot,
    WrongOrigin,
}

impl Visitor {
    fn label(self) -> &'static str {
        match self {
            Visitor::Person => "accepted (new lead)",
            Visitor::Honeypot => "spam: honeypot (quarantined)",
            Visitor::WrongOrigin => "refused: origin not allowed",
        }
    }

    fn expected_status(self) -> u16 {
        match self {
            Visitor::WrongOrigin => 403,
            _ => 200,
        }
    }
}

fn percentile(sorted: &[f64], share: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

async fn run(args: &Args, visitor: Visitor) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let millis = Arc::new(Mutex::new(Vec::new()));
    let unexpected = Arc::new(AtomicUsize::new(0));
    let sequence = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (client, millis, unexpected, sequence) = (
            client.clone(),
            millis.clone(),
            unexpected.clone(),
            sequence.clone(),
        );
        let (address, key) = (args.address.clone(), args.key.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let n = sequence.fetch_add(1, Ordering::Relaxed);
                // The token a rendered form carries (not timed: the page view, not the post).
                let token = match client.get(format!("{address}/f/{key}/token")).send().await {
                    Ok(response) => response.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                let email = format!("bench.visitor.{n}.{}@load.example", std::process::id());
                let honeypot = if visitor == Visitor::Honeypot {
                    "http://spam.example"
                } else {
                    ""
                };
                let origin = if visitor == Visitor::WrongOrigin {
                    "https://evil.example"
                } else {
                    "https://shop.example"
                };
                let post_started = Instant::now();
                let response = client
                    .post(format!("{address}/f/{key}"))
                    .header("Origin", origin)
                    .form(&[
                        ("_token", token.as_str()),
                        ("first_name", "Bench"),
                        ("last_name", &format!("Visitor {n}")),
                        ("email", &email),
                        ("company_name", "Load Test Ltd"),
                        ("hp_url", honeypot),
                        ("utm_source", "bench"),
                    ])
                    .send()
                    .await;
                let elapsed = post_started.elapsed().as_secs_f64() * 1000.0;
                match response {
                    Ok(response) if response.status().as_u16() == visitor.expected_status() => {
                        let _ = response.bytes().await;
                        millis.lock().await.push(elapsed);
                    }
                    _ => {
                        unexpected.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut sorted = millis.lock().await.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{:32} {:7.0}/s   p50 {:6.2}ms   p95 {:6.2}ms   p99 {:6.2}ms   n {}   unexpected {}",
        visitor.label(),
        sorted.len() as f64 / seconds,
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.95),
        percentile(&sorted, 0.99),
        sorted.len(),
        unexpected.load(Ordering::Relaxed)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    for visitor in [Visitor::Person, Visitor::Honeypot, Visitor::WrongOrigin] {
        run(&args, visitor).await?;
    }
    Ok(())
}
