package dev.jmae.crossmae.data;

import dev.jmae.tensor.Tensor;

/**
 * One batch from a {@link DataLoader}: what PyTorch's default collate returns, plus where it
 * came from.
 *
 * @param images normalized float32 images [B, C, H, W] on the loader's device; B is the batch
 *     size except for a final partial batch when drop_last is off
 * @param labels class indices as float32, [B], on the host ({@link dev.jmae.tensor.Device#CPU})
 *     whatever the loader's device: pretraining never reads them, so they are not transferred;
 *     a consumer that needs them on its device moves them with {@code to(device)} (as the official
 *     engine_finetune does with {@code targets.to(device)})
 * @param indices the dataset index of each image, in batch order (a broken image's slot holds
 *     the index that replaced it)
 * @param epoch the epoch this batch belongs to
 * @param index the batch number within the epoch, 0-based
 */
public record Batch(Tensor images, Tensor labels, int[] indices, int epoch, int index) {
}
