//! The serial console over the C3's built-in USB-Serial-JTAG (the same USB port `espflash`
//! flashes and monitors through): echoes what is typed, runs each line with
//! `mostrador_node::console::execute` and carries out its action (save to flash, erase,
//! reboot). It runs from boot, provisioned or not.

use embassy_time::Timer;
use embedded_io_async::{Read, Write};
use esp_hal::peripherals::USB_DEVICE;
use esp_hal::usb::usb_serial_jtag::UsbSerialJtag;
use mostrador_node::console::{Action, Feed, LineBuffer, PROMPT, execute};

use crate::calib;
use crate::storage::Flash;

const BANNER: &str = "\r\nMostrador nodo ";

/// Reads lines from the USB serial port forever.
#[embassy_executor::task]
pub async fn serve(usb: USB_DEVICE<'static>, flash: Flash) {
    let (mut rx, mut tx) = UsbSerialJtag::new(usb).into_async().split();
    let mut current = flash.load_provisioning();
    let mut line = LineBuffer::new();
    let mut bytes = [0u8; 64];
    let _ = tx.write_all(BANNER.as_bytes()).await;
    let _ = tx.write_all(crate::FIRMWARE.as_bytes()).await;
    let _ = tx.write_all(b" - escriba 'ayuda'\r\n").await;
    let _ = tx.write_all(PROMPT.as_bytes()).await;
    loop {
        let n = match rx.read(&mut bytes).await {
            Ok(n) => n,
            Err(_) => continue,
        };
        for &byte in &bytes[..n] {
            match line.push(byte) {
                Feed::Echo(echo) => {
                    let _ = tx.write_all(echo.as_bytes()).await;
                }
                Feed::Error(e) => {
                    let _ = tx.write_all(b"\r\n").await;
                    let _ = tx.write_all(e.message().as_bytes()).await;
                    let _ = tx.write_all(b"\r\n").await;
                    let _ = tx.write_all(PROMPT.as_bytes()).await;
                }
                Feed::Line(text) => {
                    let _ = tx.write_all(b"\r\n").await;
                    let outcome = execute(text, current.as_ref());
                    let reboot = outcome.action == Action::Reboot;
                    let failed = match outcome.action {
                        Action::Print | Action::Reboot => None,
                        Action::Calibrate(request) => {
                            let reply = calib::apply(request, flash).await;
                            let _ = tx.write_all(reply.as_bytes()).await;
                            None
                        }
                        Action::Save(settings) => match flash.save_provisioning(&settings) {
                            Ok(()) => {
                                current = Some(settings);
                                None
                            }
                            Err(e) => Some(e),
                        },
                        Action::Erase => match flash.erase_provisioning() {
                            Ok(()) => {
                                current = None;
                                None
                            }
                            Err(e) => Some(e),
                        },
                    };
                    match failed {
                        None => {
                            let _ = tx.write_all(outcome.reply.as_bytes()).await;
                        }
                        Some(e) => {
                            log::error!("console: {e}");
                            let _ =
                                tx.write_all(b"Error: no se pudo escribir la memoria flash; nada cambio.\r\n").await;
                        }
                    }
                    if reboot {
                        let _ = tx.flush().await;
                        Timer::after_millis(200).await;
                        esp_hal::system::software_reset();
                    }
                    let _ = tx.write_all(PROMPT.as_bytes()).await;
                }
            }
        }
    }
}
