package dev.jmae.crossmae.data;

/**
 * Which dataset indices a {@link DataLoader} visits in an epoch, and in what order
 * (torch.utils.data.Sampler). A loader without one visits its own (seed, epoch) order; with one,
 * it visits {@link #indices(int)} (e.g. one rank's share, {@link DistributedSampler}).
 */
public interface Sampler {

    /**
     * How many indices every epoch visits (len(sampler)).
     *
     * @return the count, at least 1
     */
    int numSamples();

    /**
     * The indices of an epoch, in visiting order (iter(sampler) after set_epoch(epoch)).
     *
     * @param epoch the epoch number
     * @return {@link #numSamples()} dataset indices; the same for the same epoch on every call
     */
    int[] indices(int epoch);
}
