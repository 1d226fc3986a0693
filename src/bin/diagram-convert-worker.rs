//! A worker process of `diagram_convert::Isolation::Workers`: converts pages sent on
//! stdin and answers on stdout until stdin ends. Started by the engine, not by hand.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    diagram_convert::worker::main()
}
