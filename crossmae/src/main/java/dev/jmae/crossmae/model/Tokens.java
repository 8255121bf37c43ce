package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Tensor;

/** Token selection by per-sample indices. */
final class Tokens {

    private Tokens() {
    }

    /**
     * out[n, k, :] = x[n, ids[n, k], :] (torch.gather with the index expanded over the last dim).
     *
     * @param x [N, L, D]
     * @param ids [N, K] integer indices
     * @return [N, K, D]
     */
    static Variable gatherRows(Variable x, Tensor ids) {
        int n = x.size(0);
        int d = x.size(2);
        return x.gather(1, ids.unsqueeze(-1).expand(n, ids.size(1), d));
    }

    /**
     * The same selection on a constant tensor.
     *
     * @param x [N, L, D]
     * @param ids [N, K]
     * @return [N, K, D]
     */
    static Tensor gatherRows(Tensor x, Tensor ids) {
        int n = x.size(0);
        int d = x.size(2);
        return x.gather(1, ids.unsqueeze(-1).expand(n, ids.size(1), d));
    }
}
