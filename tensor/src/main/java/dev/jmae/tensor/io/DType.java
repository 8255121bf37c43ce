package dev.jmae.tensor.io;

import java.nio.ByteBuffer;

/**
 * The element types jmae reads from weight files, and how each becomes float32 (jmae's one
 * dtype). Names are the safetensors spellings; {@link #torchName()} gives PyTorch's.
 *
 * <ul>
 *   <li>{@code F32}: exact.</li>
 *   <li>{@code F16} (IEEE binary16) and {@code BF16} (bfloat16, the upper half of a float32):
 *       exact, every value (subnormals, infinities, NaN) has a float32 equal to it.</li>
 *   <li>{@code F64}: rounded to the nearest float32, ties to even (Java's {@code (float)} cast,
 *       PyTorch's {@code .float()}); values below float32's smallest subnormal become ±0. A finite
 *       value beyond float32's range (|x| &gt; 3.4028235e38 after rounding) is refused, since
 *       turning a weight into infinity is never what a user wants; infinities and NaN stay.</li>
 *   <li>{@code I64}, {@code I32}, {@code I16}, {@code I8}, {@code U8}, {@code BOOL}: exact where
 *       |x| &lt;= 2^24 (every integer there is a float32); a value beyond is refused, as float32
 *       would round it.</li>
 * </ul>
 *
 * <p>Refused where they occur in a file, by name: FP8 (F8_E4M3, F8_E5M2), unsigned 16-64 bit
 * integers, complex and quantized types.
 */
public enum DType {
    /** float64, 8 bytes. */
    F64(8, "float64"),
    /** float32, 4 bytes. */
    F32(4, "float32"),
    /** IEEE half precision, 2 bytes. */
    F16(2, "float16"),
    /** bfloat16, 2 bytes. */
    BF16(2, "bfloat16"),
    /** signed 64-bit integer. */
    I64(8, "int64"),
    /** signed 32-bit integer. */
    I32(4, "int32"),
    /** signed 16-bit integer. */
    I16(2, "int16"),
    /** signed 8-bit integer. */
    I8(1, "int8"),
    /** unsigned 8-bit integer. */
    U8(1, "uint8"),
    /** boolean, one byte holding 0 or 1. */
    BOOL(1, "bool");

    /** Integers up to this magnitude are exact in float32. */
    public static final long MAX_EXACT_INTEGER = 1L << 24;

    private final int itemSize;
    private final String torchName;

    DType(int itemSize, String torchName) {
        this.itemSize = itemSize;
        this.torchName = torchName;
    }

    /**
     * Bytes per element.
     *
     * @return 1, 2, 4 or 8
     */
    public int itemSize() {
        return itemSize;
    }

    /**
     * PyTorch's name, e.g. {@code float16}.
     *
     * @return the name
     */
    public String torchName() {
        return torchName;
    }

    /**
     * The dtype a safetensors header names, if jmae reads it.
     *
     * @param name the header's dtype string, e.g. {@code BF16}
     * @return the dtype, or null if jmae does not read it
     */
    public static DType ofSafetensors(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** A stored value that float32 cannot hold as stated in {@link DType}. */
    public static final class NotRepresentableException extends Exception {
        private static final long serialVersionUID = 1L;

        NotRepresentableException(String message) {
            super(message);
        }
    }

    /**
     * One element as float32.
     *
     * @param buf the bytes, in the byte order the file uses (set on the buffer)
     * @param element the element index; its bytes start at {@code element * itemSize()}
     * @return the value
     * @throws NotRepresentableException if the value is outside what float32 holds exactly
     *     (integers beyond 2^24, bools other than 0 and 1, finite float64 beyond float32's range)
     */
    public float get(ByteBuffer buf, int element) throws NotRepresentableException {
        int at = element * itemSize;
        switch (this) {
            case F32:
                return buf.getFloat(at);
            case F16:
                return Float.float16ToFloat(buf.getShort(at));
            case BF16:
                return Float.intBitsToFloat((buf.getShort(at) & 0xFFFF) << 16);
            case F64: {
                double d = buf.getDouble(at);
                float f = (float) d;
                if (Float.isInfinite(f) && !Double.isInfinite(d)) {
                    throw new NotRepresentableException("float64 value " + d + " is beyond float32's range");
                }
                return f;
            }
            case BOOL: {
                int b = buf.get(at);
                if (b != 0 && b != 1) {
                    throw new NotRepresentableException("bool byte " + (b & 0xFF) + " is neither 0 nor 1");
                }
                return b;
            }
            case U8:
                return buf.get(at) & 0xFF;
            case I8:
                return buf.get(at);
            case I16:
                return buf.getShort(at);
            case I32:
                return exactInteger(buf.getInt(at));
            case I64:
                return exactInteger(buf.getLong(at));
            default:
                throw new AssertionError(this);
        }
    }

    private static float exactInteger(long v) throws NotRepresentableException {
        if (v > MAX_EXACT_INTEGER || v < -MAX_EXACT_INTEGER) {
            throw new NotRepresentableException("integer " + v + " is beyond 2^24 = " + MAX_EXACT_INTEGER
                    + ", the largest magnitude up to which float32 (jmae's one dtype) holds every integer exactly");
        }
        return v;
    }

    /**
     * Decodes count consecutive elements.
     *
     * @param buf the bytes, in the file's byte order
     * @param first the first element index
     * @param out destination
     * @param outOffset where in out the first value goes
     * @param count how many elements
     * @return -1 when all are representable, else the index (from first) of the first that is not;
     *     out holds the values before it
     */
    public int decode(ByteBuffer buf, int first, float[] out, int outOffset, int count) {
        if (this == F32) {
            buf.asFloatBuffer().get(first, out, outOffset, count);
            return -1;
        }
        for (int i = 0; i < count; i++) {
            try {
                out[outOffset + i] = get(buf, first + i);
            } catch (NotRepresentableException e) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Why element i is not representable, for a message (call after {@link #decode} returned i).
     *
     * @param buf the bytes
     * @param element the element index
     * @return the reason, or "representable"
     */
    public String whyNot(ByteBuffer buf, int element) {
        try {
            get(buf, element);
            return "representable";
        } catch (NotRepresentableException e) {
            return e.getMessage();
        }
    }
}
