//! The GUI half of the batch benchmark: frame times of the whole workbench in an egui_kittest
//! harness while batches stream results into it (CPU side of a frame only; no GPU here).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
pub(crate) struct Frames(pub(crate) Vec<Duration>);

impl Frames {
    pub(crate) fn pct(&self, p: f64) -> f64 {
        let mut v: Vec<f64> = self.0.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return f64::NAN;
        }
        let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }

    /// Mean in seconds.
    pub(crate) fn mean(&self) -> f64 {
        self.0.iter().map(Duration::as_secs_f64).sum::<f64>() / self.0.len().max(1) as f64
    }

    /// "p50 / mean / p95 / max" in ms, "-" when empty.
    pub(crate) fn summary(&self) -> String {
        if self.0.is_empty() {
            return "-".into();
        }
        let mean = self.0.iter().map(Duration::as_secs_f64).sum::<f64>() / self.0.len() as f64 * 1e3;
        format!("{:.2} / {mean:.2} / {:.2} / {:.2}", self.pct(0.5), self.pct(0.95), self.pct(1.0))
    }

    pub(crate) fn row(&self, name: &str) {
        let over = self.0.iter().filter(|d| **d > FRAME_BUDGET).count();
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {over} |",
            self.0.len(),
            self.pct(0.5),
            self.pct(0.95),
            self.pct(0.99),
            self.pct(1.0)
        );
    }
}

/// One frame as eframe would do its CPU part: the app's update and egui's layout
/// (`harness.step()`), then tessellation of the output (timed apart; kittest does not tessellate).
pub(crate) fn frame(harness: &mut Harness<'static, DebriefApp>) -> (Duration, Duration) {
    let t0 = Instant::now();
    harness.step();
    let step = t0.elapsed();
    let t1 = Instant::now();
    let output = harness.output();
    let _meshes = harness.ctx.tessellate(output.shapes.clone(), output.pixels_per_point);
    (step, t1.elapsed())
}

pub(crate) fn pace(started: Instant) {
    if let Some(rest) = FRAME_BUDGET.checked_sub(started.elapsed()) {
        std::thread::sleep(rest);
    }
}

pub(crate) fn gui(server: &StandIn, folder: &Path, conversations: &[Conversation]) -> Result<()> {
    // As src/main.rs: one multi-threaded runtime (a worker per core) beside the UI thread.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let data = tempfile::TempDir::new()?;
    let mut state =
        UiState { first_launch_done: true, loaded_paths: vec![PathBuf::from(folder)], ..UiState::default() };
    state.draft.provider = ProviderKind::Openai;
    state.draft.model = MODEL.into();
    state.settings.base_urls.insert("openai".into(), format!("{}/v1", server.url));
    state.settings.keys.insert("openai".into(), "bench".into());
    let context = AppContext {
        runtime: runtime.handle().clone(),
        data_dir: data.path().to_path_buf(),
        samples_dir: None,
    };
    // The app starts importing its loaded paths as it is built.
    let load_start = Instant::now();
    let mut harness = Harness::builder().with_size(egui::vec2(1360.0, 860.0)).build_eframe(move |cc| {
        let ctx = cc.egui_ctx.clone();
        DebriefApp::with_state(state, context, Arc::new(move || ctx.request_repaint()))
            .unwrap_or_else(|e| panic!("cannot build the workbench: {e}"))
    });

    // Load: the app imports the folder on a blocking thread and takes the 2,000 in one event.
    let (mut load_frames, mut import_frame) = (Vec::new(), None);
    while !(harness.state().model.conversations.len() == CONVERSATIONS
        && harness.state().model.importing == 0)
    {
        ensure!(load_start.elapsed() < Duration::from_secs(120), "the GUI did not load the conversations");
        let t = Instant::now();
        let before = harness.state().model.conversations.len();
        let f = frame(&mut harness);
        if harness.state().model.conversations.len() != before {
            import_frame = Some(f.0 + f.1);
        }
        load_frames.push(f.0);
        pace(t);
    }
    let load_time = load_start.elapsed();
    // Let start-up queries (stored results, history, selection) settle.
    for _ in 0..30 {
        let t = Instant::now();
        frame(&mut harness);
        pace(t);
    }
    let mut idle = Vec::new();
    for _ in 0..180 {
        let t = Instant::now();
        idle.push(frame(&mut harness));
        pace(t);
    }

    // The batch: the GUI's own "Run all" (as the button does it) and a 64-wide engine batch of
    // the same conversations on the same runtime, into its own history folder.
    server.stats.reset();
    harness.state_mut().commands.push(Command::Run { all: true });
    let background_data = tempfile::TempDir::new()?;
    let _in_runtime = runtime.enter();
    let background_store: SharedStore = Arc::new(Mutex::new(Store::open_in(background_data.path())?));
    let background = engine::spawn_run(
        background_store,
        provider(&format!("{}/v1", server.url))?,
        Arc::new(PriceTable::bundled()),
        RunRequest {
            spec: spec()?,
            conversations: conversations.to_vec().into(),
            kind: "batch".into(),
            concurrency: CONCURRENCY,
            repeat: 1,
            reuse: false,
            deliver: None,
        },
    );
    let batch_start = Instant::now();
    let (mut during_background, mut gui_only) = (Vec::new(), Vec::new());
    let mut background_wall = None;
    let mut gui_run_seen = false;
    loop {
        ensure!(batch_start.elapsed() < Duration::from_secs(300), "the GUI run did not finish");
        let t = Instant::now();
        let background_running = !background.join.is_finished();
        let f = frame(&mut harness);
        if background_running {
            during_background.push(f);
        } else {
            background_wall.get_or_insert_with(|| batch_start.elapsed());
            gui_only.push(f);
        }
        let running = harness.state().model.run.is_some();
        gui_run_seen |= running;
        if gui_run_seen && !running && !background_running {
            break;
        }
        pace(t);
    }
    let gui_wall = batch_start.elapsed();
    let background_state =
        runtime.block_on(background.join)?.map_err(|e| anyhow!("background run: {e:#}"))?;
    let app = harness.state();
    let spec_hash = app.model.spec_hash.clone().unwrap_or_default();
    let gui_ok =
        app.model.outcomes.iter().filter(|((h, _), o)| *h == spec_hash && o.status == Status::Ok).count();
    let requests = server.stats.arrivals.lock().map_err(|_| anyhow!("stats poisoned"))?.len();

    println!(
        "- load: the GUI showed the {CONVERSATIONS} transcripts {:.2} s after it was built ({} frames; the first frame {:.2} ms, the frame that took in the import event {:.2} ms)",
        load_time.as_secs_f64(),
        load_frames.len(),
        load_frames.first().map(|d| d.as_secs_f64() * 1e3).unwrap_or(f64::NAN),
        import_frame.map(|d| d.as_secs_f64() * 1e3).unwrap_or(f64::NAN)
    );
    println!(
        "- GUI \"Run all\": {gui_ok} ok results shown in the app, {:.2} s (≈ {:.1} calls in flight on average)",
        gui_wall.as_secs_f64(),
        CONVERSATIONS as f64 * DELAY.as_secs_f64() / gui_wall.as_secs_f64()
    );
    println!(
        "- background engine batch (concurrency {CONCURRENCY}, same runtime): run {background_state} finished in {:.2} s; stand-in served {requests} requests in all, at most {} at once",
        background_wall.unwrap_or(gui_wall).as_secs_f64(),
        server.stats.max_in_flight.load(Ordering::SeqCst)
    );
    println!();
    println!("| frames (CPU only, no GPU) | n | p50 ms | p95 ms | p99 ms | max ms | over 16.7 ms |");
    println!("|---|---|---|---|---|---|---|");
    let steps = |v: &[(Duration, Duration)]| Frames(v.iter().map(|f| f.0).collect());
    let whole = |v: &[(Duration, Duration)]| Frames(v.iter().map(|f| f.0 + f.1).collect());
    steps(&idle).row("idle, 2,000 loaded: step");
    whole(&idle).row("idle, 2,000 loaded: step + tessellate");
    steps(&during_background).row("GUI run + 64-wide batch: step");
    whole(&during_background).row("GUI run + 64-wide batch: step + tessellate");
    steps(&gui_only).row("GUI run alone after that: step");
    whole(&gui_only).row("GUI run alone after that: step + tessellate");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Machine facts
