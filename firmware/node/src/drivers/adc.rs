//! The node's analog inputs: embedded-hal 1.0 has no ADC trait, so drivers read millivolts
//! through [`AdcChannel`], which the firmware implements over esp-hal's calibrated ADC1 and the
//! tests over `QueueAdc`.

/// One analog input, read in millivolts at the pin (after the chip's calibration), so drivers do
/// their maths in volts and never depend on the ADC's width or attenuation.
pub trait AdcChannel {
    /// What a failed conversion reports.
    type Error;

    /// One conversion, in millivolts at the pin.
    fn read_mv(&mut self) -> Result<u16, Self::Error>;
}

impl<T: AdcChannel + ?Sized> AdcChannel for &mut T {
    type Error = T::Error;

    fn read_mv(&mut self) -> Result<u16, Self::Error> {
        (**self).read_mv()
    }
}

/// The mean of `samples` conversions (at least one), rounded. Averaging matters on the
/// ESP32-C3: a single conversion wanders by ±20 mV.
pub fn average_mv<A: AdcChannel + ?Sized>(adc: &mut A, samples: u16) -> Result<u16, A::Error> {
    let n = u32::from(samples.max(1));
    let mut sum = 0u32;
    for _ in 0..n {
        sum += u32::from(adc.read_mv()?);
    }
    // The mean of u16 values fits a u16.
    Ok(u16::try_from((sum + n / 2) / n).unwrap_or(u16::MAX))
}

/// A `QueueAdc` ran out of values: the test asked for more conversions than it planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted;

/// A fake ADC for tests and the host twin: returns the queued values in order, then
/// [`Exhausted`].
#[cfg(any(test, feature = "std"))]
#[derive(Debug, Clone, Default)]
pub struct QueueAdc {
    values: alloc::collections::VecDeque<u16>,
}

#[cfg(any(test, feature = "std"))]
impl QueueAdc {
    /// A fake that will return `values`, in order.
    pub fn new(values: &[u16]) -> Self {
        Self { values: values.iter().copied().collect() }
    }

    /// Queues `mv` `times` more times.
    pub fn push(&mut self, mv: u16, times: usize) {
        self.values.extend(core::iter::repeat_n(mv, times));
    }

    /// Values not read yet.
    pub fn remaining(&self) -> usize {
        self.values.len()
    }
}

#[cfg(any(test, feature = "std"))]
impl AdcChannel for QueueAdc {
    type Error = Exhausted;

    fn read_mv(&mut self) -> Result<u16, Exhausted> {
        self.values.pop_front().ok_or(Exhausted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_rounds_the_mean_of_the_requested_samples() {
        let mut adc = QueueAdc::new(&[1000, 1001, 1001, 1001, 7]);
        assert_eq!(average_mv(&mut adc, 4), Ok(1001));
        assert_eq!(adc.remaining(), 1);
    }

    #[test]
    fn a_fake_adc_reports_exhaustion_instead_of_inventing_values() {
        let mut adc = QueueAdc::new(&[5]);
        assert_eq!(average_mv(&mut adc, 0), Ok(5));
        assert_eq!(adc.read_mv(), Err(Exhausted));
    }
}
