//! `playtrace-devserver [--addr 127.0.0.1:8080] [--game DIR] [--db FILE] [--forward http://COLLECTOR/v1/traces] [--max-spans N]
//!  [--max-body-bytes N] [--allow-origin ORIGIN]... [--read-timeout-ms N]`

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use playtrace_devserver::api::Settings;
use playtrace_devserver::store::Store;

struct Args {
    addr: SocketAddr,
    forward: Option<String>,
    game_dir: Option<std::path::PathBuf>,
    db: String,
    max_spans: usize,
    settings: Settings,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
        forward: None,
        game_dir: None,
        db: "playtrace-dev.sqlite".into(),
        max_spans: 200_000,
        settings: Settings::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => args.addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--db" => args.db = value()?,
            "--forward" => args.forward = Some(value()?),
            "--game" => args.game_dir = Some(value()?.into()),
            "--max-spans" => args.max_spans = value()?.parse().map_err(|e| format!("--max-spans: {e}"))?,
            "--max-body-bytes" => {
                args.settings.max_body_bytes = value()?.parse().map_err(|e| format!("--max-body-bytes: {e}"))?
            }
            "--allow-origin" => args.settings.allowed_origins.push(value()?),
            "--read-timeout-ms" => {
                let ms: u64 = value()?.parse().map_err(|e| format!("--read-timeout-ms: {e}"))?;
                args.settings.read_timeout = std::time::Duration::from_millis(ms.max(1));
            }
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// What a game developer needs to point a game here: the endpoint for `init`, the origins CORS
/// answers for, the viewer, and the game when one is served.
fn print_banner(addr: SocketAddr, args: &Args) {
    let origins = &args.settings.allowed_origins;
    let cors = if origins.is_empty() {
        "none (only pages served from this address; add --allow-origin ORIGIN for a game elsewhere)".to_owned()
    } else {
        origins.join(", ")
    };
    println!("playtrace devserver on http://{addr}");
    // A short flush interval for development: each action shows in the viewer within a second
    // (the default, 30 s, is for players, whose collectors pay per request).
    println!(
        "  endpoint  http://{addr}/v1/traces   init({{ endpoint: \"http://{addr}/v1/traces\", flushIntervalMs: 1000 }}) (Zipkin v2: /api/v2/spans)"
    );
    println!("  CORS      {cors}");
    println!("  viewer    http://{addr}/viewer/");
    if args.game_dir.is_some() {
        println!("  game      http://{addr}/");
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("playtrace-devserver: {e}");
            }
            eprintln!("usage: playtrace-devserver [--addr 127.0.0.1:8080] [--game DIR] [--db FILE] [--forward http://COLLECTOR/v1/traces] [--max-spans N] [--max-body-bytes N] [--allow-origin ORIGIN]... [--read-timeout-ms N]");
            return ExitCode::from(2);
        }
    };
    let store = match Store::open(&args.db, args.max_spans) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("playtrace-devserver: cannot open {}: {e}", args.db);
            return ExitCode::FAILURE;
        }
    };
    if let Some(url) = &args.forward {
        match playtrace_devserver::forward::start(url) {
            Ok(tx) => store.forward_to(tx),
            Err(e) => {
                eprintln!("playtrace-devserver: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "playtrace-devserver: {} is already in use (another devserver?). Choose another address: \
                 PLAYTRACE_ADDR=127.0.0.1:4319 make devserver (or make demo), or --addr for the binary",
                args.addr
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("playtrace-devserver: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    // The real address (port 0 picks a free one), for people and for the end-to-end tests.
    let addr = listener.local_addr().unwrap_or(args.addr);
    print_banner(addr, &args);
    let mut settings = args.settings;
    settings.served = Some(addr);
    let header_timeout = settings.read_timeout;
    let app = match playtrace_devserver::app(store, settings, args.game_dir) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("playtrace-devserver: cannot set up the game: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        println!("playtrace devserver: stopping");
    };
    match playtrace_devserver::serve::serve(listener, app, header_timeout, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("playtrace-devserver: {e}");
            ExitCode::FAILURE
        }
    }
}
