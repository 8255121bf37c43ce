package dev.jmae.tensor.io.torch;

import dev.jmae.tensor.io.DType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint in the zip format that {@code torch.save} writes since PyTorch 1.6,
 * opened without running anything: the archive's {@code <name>/data.pkl} is read by jmae's own
 * pickle interpreter ({@link PickleReader}: data only, every global inert, known code-execution
 * globals refused), tensors stay unread {@link TorchTensor} views of the archive's
 * {@code <name>/data/<key>} storages until asked for.
 *
 * <p>Layout read (PyTorch's {@code torch/serialization.py}, {@code _save} and {@code _load}):
 * one top folder; {@code data.pkl}, a pickle whose persistent ids are
 * {@code ('storage', torch.<Type>Storage, key, location, numel)}; one uncompressed entry per
 * storage holding numel elements in the byte order of {@code byteorder} (little-endian when that
 * entry is absent, as before PyTorch 2.1); tensors rebuilt by
 * {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)}, possibly wrapped
 * by {@code _rebuild_parameter}.
 *
 * <p>Checked when opened, each failure a {@link TorchCheckpointException}: the zip structure
 * (java.util.zip), exactly one {@code data.pkl}, every archive entry jmae reads uncompressed (as
 * PyTorch writes them) and no larger than the file, each storage entry exactly numel times its
 * element size, every tensor view inside its storage and no larger than it. Refused with a
 * message that says how to convert: the legacy format (before 1.6, a bare pickle or a tar
 * file) and TorchScript archives. Allocation: the pickle's values are proportional to its size
 * (itself at most the file's); reading tensors allocates their float32 copies, and the tensors read
 * from one checkpoint (each read counts, a tensor read twice twice) may add up to at most twice its
 * stored elements (plus 2^20), so a file cannot make jmae allocate more than a small multiple of
 * its own size.
 */
public final class TorchCheckpoint implements AutoCloseable {

    /** Views read past this multiple of the stored elements are refused. */
    private static final int READ_BUDGET_FACTOR = 2;
    private static final long READ_BUDGET_SLACK = 1 << 20;
    /** Contiguous tensors are read and converted in pieces of this many bytes. */
    private static final int CHUNK_BYTES = 1 << 26;
    /** How to convert a legacy checkpoint, for messages. */
    static final String CONVERT_HINT = "hint: convert it with PyTorch 1.6 or newer: torch.save(torch.load('in.pth',"
            + " map_location='cpu'), 'out.pth', _use_new_zipfile_serialization=True) (torch.load runs the file's pickle,"
            + " so do this only for a file you trust; PyTorch 2.6 and newer also need weights_only=False)";

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final ByteOrder order;
    private final Map<String, TorchStorage> storages = new HashMap<>();
    private long storedElements;
    private long readElements;
    private Object root;
    private boolean closed;

    private TorchCheckpoint(Path file, ZipFile zip, String prefix, ByteOrder order) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.order = order;
    }

    /**
     * Opens a checkpoint and reads its pickle (not its tensors).
     *
     * @param file a {@code .pth}/{@code .pt}/{@code .bin} file written by {@code torch.save}
     * @return the open checkpoint; close it when done
     * @throws UnsafePickleException if the pickle names a denied global
     * @throws TorchCheckpointException if the file is not a zip checkpoint (legacy, TorchScript,
     *     something else; the message says which and how to convert) or is malformed
     * @throws IOException if the file cannot be read
     */
    public static TorchCheckpoint open(Path file) throws IOException {
        byte[] head = firstBytes(file, 512);
        if (!(head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4)) {
            throw new TorchCheckpointException(file + ": " + notZipReason(head));
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            // ZipException for a bad structure, EOFException for an archive cut short
            throw new TorchCheckpointException(file + ": not a readable zip archive (" + e + ")", e);
        }
        try {
            TorchCheckpoint c = openZip(file, zip);
            zip = null;
            return c;
        } finally {
            if (zip != null) {
                zip.close();
            }
        }
    }

    private static TorchCheckpoint openZip(Path file, ZipFile zip) throws IOException {
        String pkl = null;
        boolean torchScript = false;
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            String name = en.nextElement().getName();
            int slash = name.indexOf('/');
            String rest = slash < 0 ? name : name.substring(slash + 1);
            if (rest.equals("data.pkl")) {
                if (pkl != null) {
                    throw new TorchCheckpointException(file + ": the archive holds two pickles, " + pkl + " and " + name
                            + "; a torch.save checkpoint holds one <name>/data.pkl");
                }
                pkl = name;
            }
            torchScript |= rest.equals("constants.pkl") || rest.startsWith("code/");
        }
        if (torchScript) {
            throw new TorchCheckpointException(file
                    + ": this is a TorchScript archive (torch.jit.save), which holds code;"
                    + " jmae reads checkpoints written by torch.save. hint: in PyTorch, torch.save(torch.jit.load('in.pt')"
                    + ".state_dict(), 'out.pth')");
        }
        if (pkl == null) {
            throw new TorchCheckpointException(
                    file + ": a zip archive without <name>/data.pkl, so not a checkpoint written"
                            + " by torch.save");
        }
        String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        ZipEntry bo = zip.getEntry(prefix + "byteorder");
        if (bo != null) {
            String s = new String(readEntry(file, zip, bo, 16), StandardCharsets.US_ASCII).trim();
            if (s.equals("big")) {
                order = ByteOrder.BIG_ENDIAN;
            } else if (!s.equals("little")) {
                throw new TorchCheckpointException(
                        file + ": " + bo.getName() + " says '" + s + "', not 'little' or 'big'");
            }
        }
        TorchCheckpoint c = new TorchCheckpoint(file, zip, prefix, order);
        byte[] pickle = readEntry(file, zip, zip.getEntry(pkl), Integer.MAX_VALUE - 8);
        PickleReader reader = new PickleReader(pickle, file + ": " + pkl, c::persistentLoad,
                (storage, offset, shape, stride) -> new TorchTensor(c, storage, offset, shape, stride));
        c.root = reader.load();
        return c;
    }

    private static String notZipReason(byte[] head) {
        if (head.length >= 2 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            return "this is the legacy PyTorch checkpoint format (before 1.6: a bare pickle), which jmae does not read; "
                    + CONVERT_HINT;
        }
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            return "this is the oldest PyTorch checkpoint format (a tar file, before 0.4), which jmae does not read; "
                    + CONVERT_HINT;
        }
        if (head.length >= 9 && head[8] == '{') {
            return "not a PyTorch checkpoint (no zip header); it starts like a safetensors file";
        }
        return "not a PyTorch checkpoint: it does not start with a zip header (PK\\3\\4)"
                + (head.length == 0 ? "; the file is empty" : "");
    }

    private static byte[] firstBytes(Path file, int n) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, ch.size()));
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read until full or end
            }
            return Arrays.copyOf(b.array(), b.position());
        }
    }

    /** A whole uncompressed entry of at most max bytes, and at most the file's size. */
    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry e, int max) throws IOException {
        checkStored(file, e);
        long size = e.getSize();
        if (size < 0 || size > max || size > file.toFile().length()) {
            throw new TorchCheckpointException(file + ": entry " + e.getName() + " claims " + size + " bytes, more than"
                    + " the file holds" + (max < Integer.MAX_VALUE - 8 ? " or the " + max + " allowed" : ""));
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) size);
            if (b.length != size) {
                throw new TorchCheckpointException(
                        file + ": entry " + e.getName() + " is truncated: " + b.length + " of "
                                + size + " bytes");
            }
            return b;
        } catch (TorchCheckpointException ex) {
            throw ex;
        } catch (IOException ex) {
            throw new TorchCheckpointException(file + ": entry " + e.getName() + " cannot be read: " + ex, ex);
        }
    }

    private static void checkStored(Path file, ZipEntry e) throws TorchCheckpointException {
        if (e.getMethod() != ZipEntry.STORED) {
            throw new TorchCheckpointException(file + ": entry " + e.getName() + " is compressed (zip method "
                    + e.getMethod() + "); torch.save stores every entry uncompressed. hint: re-save it with torch.save,"
                    + " or re-zip it with 'zip -0'");
        }
    }

    /** Resolves ('storage', torch.XStorage, key, location, numel), once per key. */
    private Object persistentLoad(Object pid) throws TorchCheckpointException {
        String where = file + ": " + prefix + "data.pkl: ";
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new TorchCheckpointException(where + "persistent id " + PickleValues.describe(pid, 1)
                    + " is not ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof PickleGlobal type) || !type.module().equals("torch")
                || !(t.get(2) instanceof String key)
                || !(t.get(3) instanceof String location) || !(t.get(4) instanceof Long numel) || numel < 0) {
            throw new TorchCheckpointException(where + "persistent id " + PickleValues.describe(pid, 1)
                    + " is not ('storage', torch.<Type>Storage, str key, str location, int numel >= 0)");
        }
        TorchStorage known = storages.get(key);
        if (known != null) {
            if (!known.typeName().equals(type.name()) || known.numel() != numel) {
                throw new TorchCheckpointException(
                        where + "storage '" + key + "' is named twice with different types or"
                                + " sizes (" + known.typeName() + " of " + known.numel() + ", " + type.name() + " of "
                                + numel + ")");
            }
            return known;
        }
        TorchStorage s = TorchStorage.of(key, type.name(), numel, location);
        if (s == null) {
            throw new TorchCheckpointException(where + "unknown storage type torch." + type.name());
        }
        ZipEntry e = zip.getEntry(prefix + "data/" + key);
        if (e == null) {
            throw new TorchCheckpointException(where + "storage '" + key + "' has no entry " + prefix + "data/" + key
                    + " in the archive");
        }
        checkStored(file, e);
        long need;
        try {
            need = Math.multiplyExact(numel, s.itemSize());
        } catch (ArithmeticException ex) {
            need = -1;
        }
        if (need != e.getSize()) {
            throw new TorchCheckpointException(where + "storage '" + key + "' of " + numel + " " + s.torchName()
                    + " elements needs " + (need < 0 ? "more than 2^63" : need) + " bytes, but " + e.getName()
                    + " holds "
                    + e.getSize());
        }
        storages.put(key, s);
        storedElements += numel;
        return s;
    }

    /**
     * The pickled object, with tensors as {@link TorchTensor}s (see {@link PickleReader} for how
     * each Python value appears). For a training checkpoint, a dict such as
     * {@code {model, optimizer, epoch, scaler, args}}.
     *
     * @return the root value
     */
    public Object root() {
        return root;
    }

    /**
     * The checkpoint file.
     *
     * @return its path
     */
    public Path file() {
        return file;
    }

    /**
     * The archive's top folder (PyTorch writes the file name's stem before 2.0, {@code archive} since).
     *
     * @return the folder name, without the slash
     */
    public String archiveName() {
        return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    }

    /**
     * The storages the pickle named.
     *
     * @return how many distinct storages
     */
    public int storageCount() {
        return storages.size();
    }

    synchronized float[] read(TorchTensor t) throws IOException {
        if (closed) {
            throw new IllegalStateException(file + ": the checkpoint is closed");
        }
        TorchStorage s = t.storage();
        String what = file + ": " + t + " in storage '" + s.key() + "' at offset " + t.storageOffset();
        DType dt = s.dtype();
        if (dt == null) {
            throw new TorchCheckpointException(what + ": dtype " + s.torchName() + " (" + s.typeName()
                    + ") cannot become float32, jmae's one dtype; it reads float32/16/64, bfloat16, int64/32/16/8, uint8, bool");
        }
        long budget = READ_BUDGET_FACTOR * storedElements + READ_BUDGET_SLACK;
        if (readElements + t.numel() > budget) {
            throw new TorchCheckpointException(what + ": the tensors read add up to more than twice the "
                    + storedElements
                    + " elements the checkpoint stores; refusing to read more (views that repeat storages, or tensors"
                    + " read again)");
        }
        readElements += t.numel();
        int numel = t.numel();
        float[] out = new float[numel];
        if (numel == 0) {
            return out;
        }
        int item = s.itemSize();
        ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
        try (InputStream in = zip.getInputStream(e)) {
            in.skipNBytes(t.storageOffset() * item);
            if (t.isContiguous()) {
                int perChunk = CHUNK_BYTES / item;
                for (int first = 0; first < numel; first += perChunk) {
                    int count = Math.min(perChunk, numel - first);
                    ByteBuffer b = ByteBuffer.wrap(readFully(in, count * item, what)).order(order);
                    int bad = dt.decode(b, 0, out, first, count);
                    if (bad >= 0) {
                        throw new TorchCheckpointException(
                                what + ": element " + (first + bad) + ": " + dt.whyNot(b, bad));
                    }
                }
            } else {
                long spanBytes = t.span() * item;
                if (spanBytes > Integer.MAX_VALUE - 8) {
                    throw new TorchCheckpointException(what + ": a non-contiguous view spanning " + spanBytes
                            + " bytes; jmae reads such views up to 2 GB");
                }
                gather(ByteBuffer.wrap(readFully(in, (int) spanBytes, what)).order(order), dt, t, out, what);
            }
        } catch (TorchCheckpointException ex) {
            throw ex;
        } catch (IOException ex) {
            throw new TorchCheckpointException(what + ": storage entry " + e.getName() + " cannot be read: " + ex, ex);
        }
        return out;
    }

    private static byte[] readFully(InputStream in, int n, String what) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new TorchCheckpointException(what + ": the storage entry ends early");
        }
        return b;
    }

    /** Row-major walk over a strided view (strides non-negative, so the view starts at offset 0 of span). */
    private static void gather(ByteBuffer span, DType dt, TorchTensor t, float[] out, String what)
            throws TorchCheckpointException {
        int[] shape = t.sizes();
        long[] stride = t.strides();
        int nd = shape.length;
        int[] idx = new int[nd];
        long p = 0;
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = dt.get(span, (int) p);
            } catch (DType.NotRepresentableException ex) {
                throw new TorchCheckpointException(what + ": element " + i + " (index " + Arrays.toString(idx) + "): "
                        + ex.getMessage());
            }
            for (int d = nd - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    p += stride[d];
                    break;
                }
                p -= (long) (shape[d] - 1) * stride[d];
                idx[d] = 0;
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        zip.close();
    }

    @Override
    public String toString() {
        return "TorchCheckpoint(" + file + ", " + storages.size() + " storages)";
    }
}
