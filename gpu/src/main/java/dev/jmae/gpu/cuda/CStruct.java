package dev.jmae.gpu.cuda;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * A C struct the bindings read or write, as a Java layout whose member names are the C member
 * names, so that a test can compare every {@code sizeof} and {@code offsetof} with the header.
 * Padding members (unnamed) are not compared.
 *
 * @param cType the C type name, e.g. {@code CUuuid}
 * @param layout the layout, members named as in C
 */
record CStruct(String cType, StructLayout layout) {

    /**
     * The byte offset of a member.
     *
     * @param member the C member name
     * @return its offset
     * @throws IllegalArgumentException if the layout has no such member
     */
    long offset(String member) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(member));
    }
}
