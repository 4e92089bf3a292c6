//! The desktop workbench (eframe/egui): schema design, prompt iteration, QA review.
//!
//! `app` holds state and command handling, `panels` draws, `bridge` talks to the engine. The
//! UI thread never waits on the network or the database.

pub mod app;
pub mod bridge;
pub mod panels;

pub use app::{AppContext, DebriefApp};

/// Open the workbench window and run until it is closed.
pub fn run(context: AppContext) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Debrief")
            .with_inner_size([1360.0, 840.0])
            .with_min_inner_size([900.0, 560.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Debrief",
        options,
        Box::new(move |cc| Ok(Box::new(DebriefApp::new(cc, context)?) as Box<dyn eframe::App>)),
    )
}
