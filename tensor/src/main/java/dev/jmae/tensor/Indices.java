package dev.jmae.tensor;

/** Conversion of float-stored indices to ints, with the bounds check every backend must apply. */
public final class Indices {

    private Indices() {
    }

    /**
     * The integer an index element holds.
     *
     * @param op the operation, for the message
     * @param value the stored index
     * @param size the size of the indexed dimension
     * @return the index, in [0, size)
     * @throws IllegalArgumentException if value is not an integer in [0, size)
     */
    public static int check(String op, float value, int size) {
        int i = (int) value;
        if (i != value || i < 0 || i >= size) {
            throw new IllegalArgumentException(op + ": index " + value + " is out of range for a dimension of size "
                    + size + " (expected an integer in [0, " + size + "))");
        }
        return i;
    }
}
