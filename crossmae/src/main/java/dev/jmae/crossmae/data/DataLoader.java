package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Batches of decoded, augmented, normalized images, reproducible from (seed, epoch) alone.
 * PyTorch's {@code DataLoader(dataset, batch_size, shuffle, drop_last, num_workers,
 * prefetch_factor)} with a {@code DistributedSampler}-style seeded order.
 *
 * <p>Determinism: epoch e's order is a permutation drawn from a generator derived only from
 * (seed, e) (the identity when shuffle is off); the sample in position p of that order is
 * augmented with a generator derived only from (seed, e, order[p]). Batches are therefore
 * bit-identical for any numWorkers, and {@code epoch(e, k)} yields exactly batches k.. of an
 * uninterrupted epoch e, which is how training resumes mid-epoch.
 *
 * <p>Samplers: with {@link #sampler(Sampler)} set, epoch e visits {@code sampler.indices(e)}
 * instead of {@link #order(int)} (PyTorch's {@code DataLoader(sampler=...)}), in batches of B of
 * that list; a sample is still augmented from (seed, e, its dataset index), so a
 * {@link DistributedSampler} over {@code loader::order} gives each rank exactly the augmented
 * samples a single-process loader puts in the same positions.
 *
 * <p>Broken images: when {@link ImageDataset#image} throws {@link DatasetException}, the loader
 * reports it once per index through the warning sink and uses the next index of the epoch order
 * (the sampler's list, when one is set) instead (wrapping around), keeping the original position's augmentation generator; the
 * batch's {@code indices} show the substitute. Other {@link IOException}s and exceptions from
 * transforms end the epoch: {@code next()} rethrows them ({@link IOException}s wrapped in
 * {@link UncheckedIOException}, message naming the index and file).
 *
 * <p>Threads: numWorkers = 0 assembles each batch on the calling thread inside {@code next()}.
 * Otherwise a fixed pool of numWorkers daemon threads ("jmae-data-N") assembles whole batches,
 * at most prefetchBatches ahead of the consumer (PyTorch's prefetch_factor × num_workers; give
 * at least numWorkers so no worker idles), and batches are delivered in order. Workers produce
 * float arrays; the tensors are created by {@code next()} on the consuming thread, so they
 * belong to the {@code TensorScope} open there. {@link #close()} stops the workers.
 */
public final class DataLoader implements AutoCloseable {

    private static final long ORDER_STREAM = 0x6A09E667F3BCC909L;
    private static final long SAMPLE_STREAM = 0xBB67AE8584CAA73BL;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ImageDataset dataset;
    private final Transform pipeline;
    private final Normalize normalize;
    private volatile TensorTransform tensorStage;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final int numWorkers;
    private final int prefetchBatches;
    private final Device device;
    private final Consumer<String> warnings;
    private final ExecutorService pool;
    private final Set<Integer> broken = ConcurrentHashMap.newKeySet();
    private volatile Sampler sampler;
    private volatile boolean closed;

    /**
     * Creates a loader whose warnings go to the System.Logger "dev.jmae.crossmae.data.DataLoader"
     * at WARNING.
     *
     * @param dataset the images
     * @param pipeline 8-bit transforms ending in a fixed-size image (e.g. {@link Transforms#pretrain});
     *     ToTensor and Normalize are applied by the loader
     * @param mean per-channel normalization mean (one per channel, or one for all)
     * @param std per-channel normalization std, &gt; 0
     * @param batchSize B, at least 1
     * @param shuffle draw a new order each epoch (training) or keep dataset order (evaluation)
     * @param dropLast drop the final partial batch (PyTorch's drop_last; pretraining uses true)
     * @param seed the seed of order and augmentation
     * @param numWorkers background threads, 0 for none
     * @param prefetchBatches batches prepared ahead of the consumer, at least 1 (ignored when numWorkers is 0)
     * @param device where the images of each batch are allocated (the labels stay on the host)
     * @throws IllegalArgumentException if a size is out of range, the dataset yields no batch, or
     *     the pipeline is a {@link Compose} whose Normalize disagrees with mean/std
     */
    public DataLoader(ImageDataset dataset, Transform pipeline, double[] mean, double[] std, int batchSize,
                      boolean shuffle, boolean dropLast, long seed, int numWorkers, int prefetchBatches,
                      Device device) {
        this(dataset, pipeline, mean, std, batchSize, shuffle, dropLast, seed, numWorkers, prefetchBatches, device,
                null);
    }

    /**
     * Creates a loader with an explicit device and warning sink.
     *
     * @param dataset the images
     * @param pipeline 8-bit transforms ending in a fixed-size image
     * @param mean per-channel normalization mean (one per channel, or one for all)
     * @param std per-channel normalization std, &gt; 0
     * @param batchSize B, at least 1
     * @param shuffle draw a new order each epoch
     * @param dropLast drop the final partial batch
     * @param seed the seed of order and augmentation
     * @param numWorkers background threads, 0 for none
     * @param prefetchBatches batches prepared ahead of the consumer, at least 1
     * @param device where the images of each batch are allocated (the labels stay on the host)
     * @param warnings receives one message per broken image (called from worker threads, one
     *     call at a time); null for the System.Logger default
     * @throws IllegalArgumentException if a size is out of range, the dataset yields no batch, or
     *     the pipeline is a {@link Compose} whose Normalize disagrees with mean/std
     */
    public DataLoader(ImageDataset dataset, Transform pipeline, double[] mean, double[] std, int batchSize,
                      boolean shuffle, boolean dropLast, long seed, int numWorkers, int prefetchBatches,
                      Device device, Consumer<String> warnings) {
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.normalize = new Normalize(mean, std);
        if (pipeline instanceof Compose c && c.normalize().isPresent()
                && !(Arrays.equals(c.normalize().get().mean(), mean)
                        && Arrays.equals(c.normalize().get().std(), std))) {
            throw new IllegalArgumentException("DataLoader: the pipeline normalizes with " + c.normalize().get()
                    + " but the loader with mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std)
                    + "; hint: pass the same values (the loader applies ToTensor and Normalize itself)");
        }
        if (batchSize < 1 || numWorkers < 0 || prefetchBatches < 1) {
            throw new IllegalArgumentException(
                    "DataLoader: expected batchSize >= 1, numWorkers >= 0, prefetchBatches >= 1,"
                            + " got " + batchSize + ", " + numWorkers + ", " + prefetchBatches);
        }
        if (dropLast && dataset.size() < batchSize || dataset.size() == 0) {
            throw new IllegalArgumentException("DataLoader: " + dataset.size() + " images make no batch of " + batchSize
                    + (dropLast ? " with drop_last" : "") + "; hint: lower batch_size");
        }
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.numWorkers = numWorkers;
        this.prefetchBatches = prefetchBatches;
        this.device = Objects.requireNonNull(device, "device");
        System.Logger log = System.getLogger(DataLoader.class.getName());
        Consumer<String> sink = warnings != null ? warnings : msg -> log.log(System.Logger.Level.WARNING, msg);
        this.warnings = msg -> {
            synchronized (this) {
                sink.accept(msg);
            }
        };
        if (numWorkers > 0) {
            int poolId = POOLS.incrementAndGet();
            AtomicInteger threadId = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(numWorkers, r -> {
                Thread t = new Thread(r, "jmae-data-" + poolId + "-" + threadId.getAndIncrement());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.pool = null;
        }
    }

    /**
     * Makes every later epoch visit the sampler's indices instead of the loader's own order
     * (PyTorch's {@code DataLoader(sampler=...)}); {@link #order(int)} keeps returning the
     * loader's own order, which a {@link DistributedSampler} shards.
     *
     * @param sampler the indices of each epoch; null restores the loader's own order
     * @return this
     * @throws IllegalArgumentException if the sampler's epoch makes no batch (fewer than B
     *     samples with drop_last)
     */
    public DataLoader sampler(Sampler sampler) {
        if (sampler != null && (sampler.numSamples() < 1 || dropLast && sampler.numSamples() < batchSize)) {
            throw new IllegalArgumentException(
                    "DataLoader: the sampler's " + sampler.numSamples() + " samples per epoch"
                            + " make no batch of " + batchSize + (dropLast ? " with drop_last" : "") + " (" + sampler
                            + "); hint: lower batch_size");
        }
        this.sampler = sampler;
        return this;
    }

    /**
     * Batches in one epoch: N / B with drop_last, else ceil(N / B), where N is the dataset size,
     * or the sampler's samples per epoch when one is set.
     *
     * @return the count
     */
    public int batchesPerEpoch() {
        Sampler s = sampler;
        int n = s != null ? s.numSamples() : dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /**
     * The batches of an epoch from its start.
     *
     * @param epoch the epoch number, any int
     * @return the batches 0 .. batchesPerEpoch()-1, in order
     * @throws IllegalStateException if the loader is closed
     */
    public Iterator<Batch> epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * The batches of an epoch from startBatch on, identical to those an uninterrupted epoch
     * yields from that point (for resuming mid-epoch).
     *
     * @param epoch the epoch number, any int
     * @param startBatch the first batch to produce, 0..batchesPerEpoch() (equal gives an empty iterator)
     * @return the batches startBatch .. batchesPerEpoch()-1, in order; {@code next()} throws
     *     UncheckedIOException if an image cannot be read, IllegalStateException after close()
     * @throws IllegalArgumentException if startBatch is out of range
     * @throws IllegalStateException if the loader is closed
     */
    public Iterator<Batch> epoch(int epoch, int startBatch) {
        checkOpen();
        if (startBatch < 0 || startBatch > batchesPerEpoch()) {
            throw new IllegalArgumentException("DataLoader.epoch: startBatch must be in 0.." + batchesPerEpoch()
                    + ", got " + startBatch);
        }
        Sampler s = sampler;
        return new EpochIterator(epoch, startBatch, s != null ? sampledOrder(s, epoch) : order(epoch));
    }

    private int[] sampledOrder(Sampler s, int epoch) {
        int[] indices = s.indices(epoch);
        if (indices.length != s.numSamples()) {
            throw new IllegalStateException(
                    "DataLoader: the sampler gave " + indices.length + " indices for epoch " + epoch
                            + " but promised " + s.numSamples() + " (" + s + ")");
        }
        for (int index : indices) {
            if (index < 0 || index >= dataset.size()) {
                throw new IllegalStateException("DataLoader: the sampler gave index " + index + " for epoch " + epoch
                        + ", outside the dataset's [0, " + dataset.size() + ")");
            }
        }
        return indices;
    }

    /**
     * The loader's own order of an epoch (what it visits without a sampler): a permutation of
     * 0..N-1 drawn from (seed, epoch) by Fisher-Yates, or the identity when shuffle is off.
     *
     * @param epoch the epoch number
     * @return dataset indices, N of them
     */
    public int[] order(int epoch) {
        int n = dataset.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Generator g = new Generator(mix(mix(seed ^ ORDER_STREAM) + epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = g.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /**
     * The augmentation generator of one sample: derived only from (seed, epoch, index).
     *
     * @param seed the loader's seed
     * @param epoch the epoch number
     * @param index the dataset index of the order position
     * @return a fresh generator
     */
    static Generator sampleGenerator(long seed, int epoch, int index) {
        return new Generator(mix(mix(mix(seed ^ SAMPLE_STREAM) + epoch) + index));
    }

    /** SplitMix64's finalizer: a bijection on longs that mixes every input bit into every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The dataset.
     *
     * @return the dataset this loader reads
     */
    public ImageDataset dataset() {
        return dataset;
    }

    /**
     * The batch size.
     *
     * @return B
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Adds a stage after ToTensor and Normalize for every later batch (timm's random erasing in
     * fine-tuning), run on each image's slot with that image's generator after its 8-bit stages,
     * so batches stay a function of (seed, epoch, index).
     *
     * @param stage the stage, or null for none
     * @return this
     */
    public DataLoader tensorTransform(TensorTransform stage) {
        this.tensorStage = stage;
        return this;
    }

    /** Stops the worker threads; iterators of this loader then throw IllegalStateException. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("DataLoader is closed");
        }
    }

    /** A batch as host arrays, built on a worker thread. */
    private record Assembled(int epoch, int index, float[] images, int[] shape, float[] labels, int[] indices) {
        Batch toBatch(Device device) {
            return new Batch(Tensor.of(device, images, shape), Tensor.of(Device.CPU, labels, labels.length), indices,
                    epoch,
                    index);
        }
    }

    private Assembled assemble(int epoch, int batch, int[] order) {
        int n = order.length;
        int start = batch * batchSize;
        int count = Math.min(batchSize, n - start);
        float[] images = null;
        int[] shape = null;
        int sampleLen = 0;
        float[] labels = new float[count];
        int[] indices = new int[count];
        for (int s = 0; s < count; s++) {
            int pos = start + s;
            Loaded loaded = load(order, pos, epoch, batch);
            int index = loaded.index();
            Image raw = loaded.image();
            Generator g = sampleGenerator(seed, epoch, order[pos]);
            Image img = pipeline.apply(raw, g);
            if (images == null) {
                shape = new int[] {count, img.channels(), img.height(), img.width()};
                sampleLen = img.pixels().length;
                images = new float[count * sampleLen];
            } else if (img.channels() != shape[1] || img.height() != shape[2] || img.width() != shape[3]) {
                throw new IllegalArgumentException("DataLoader: image " + index + " became " + img + " but the batch"
                        + " started with [" + shape[1] + ", " + shape[2] + ", " + shape[3] + "]; hint: end the pipeline"
                        + " with a fixed size (RandomResizedCrop, or Resize and CenterCrop)");
            }
            normalize.toTensorNormalized(img, images, s * sampleLen);
            TensorTransform stage = tensorStage;
            if (stage != null) {
                stage.applyInPlace(images, s * sampleLen, shape[1], shape[2], shape[3], g);
            }
            labels[s] = dataset.label(index);
            indices[s] = index;
        }
        return new Assembled(epoch, batch, images, shape, labels, indices);
    }

    private record Loaded(int index, Image image) {
    }

    /** The image of the first index at or after position pos of the order (wrapping) that decodes. */
    private Loaded load(int[] order, int pos, int epoch, int batch) {
        int n = order.length;
        for (int k = 0; k < n; k++) {
            int index = order[(pos + k) % n];
            if (broken.contains(index)) {
                continue;
            }
            try {
                return new Loaded(index, dataset.image(index));
            } catch (DatasetException e) {
                if (broken.add(index)) {
                    warnings.accept("skipping broken image " + index + " (the next image of the epoch order is used"
                            + " instead; reported once): " + e.getMessage());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "DataLoader: cannot read image " + index + " (epoch " + epoch + ", batch "
                                + batch + "): " + e.getMessage(),
                        e);
            }
        }
        throw new UncheckedIOException(new DatasetException("DataLoader: all " + n + " images of "
                + dataset.description() + " are broken"));
    }

    private final class EpochIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int end;
        private final ArrayDeque<Future<Assembled>> pending = new ArrayDeque<>();
        private int next;
        private int submitted;
        private boolean failed;

        EpochIterator(int epoch, int startBatch, int[] order) {
            this.epoch = epoch;
            this.order = order;
            this.end = batchesPerEpoch();
            this.next = startBatch;
            this.submitted = startBatch;
        }

        @Override
        public boolean hasNext() {
            return next < end && !failed;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("DataLoader: epoch " + epoch + " has no batch " + next);
            }
            checkOpen();
            Assembled a;
            try {
                if (pool == null) {
                    a = assemble(epoch, next, order);
                } else {
                    fill();
                    a = await(pending.removeFirst());
                    fill();
                }
            } catch (RuntimeException | Error e) {
                failed = true;
                pending.forEach(f -> f.cancel(true));
                pending.clear();
                throw e;
            }
            next++;
            return a.toBatch(device);
        }

        private void fill() {
            while (submitted < end && pending.size() < prefetchBatches) {
                int b = submitted++;
                pending.addLast(pool.submit(() -> assemble(epoch, b, order)));
            }
        }

        private Assembled await(Future<Assembled> f) {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("DataLoader: interrupted while waiting for batch " + next, e);
            } catch (CancellationException e) {
                throw new IllegalStateException("DataLoader is closed", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("DataLoader worker failed: " + cause, cause);
            }
        }
    }
}
