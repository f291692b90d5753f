//! A window on a static page with a list: nothing but Tauri and WebKit, so roster-app's
//! figures can be read as a ratio to what any Tauri app costs on the same machine.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> Result<(), tauri::Error> {
    tauri::Builder::default().run(tauri::generate_context!())
}
