/**
 * Pretraining, fine-tuning and the linear probe, laid out like the official main_pretrain.py,
 * main_finetune.py, main_linprobe.py, engine_pretrain.py and engine_finetune.py.
 *
 * <ul>
 *   <li>{@link dev.jmae.crossmae.train.TrainStep}: one iteration of train_one_epoch for any loss
 *       closure (lr per iteration, accumulation, clipping, optimizer step), shared by pretraining,
 *       the linear probe, {@code jmae steps} and {@code jmae bench}; {@link
 *       dev.jmae.crossmae.train.SmoothedValue}: its loss series (util/misc.py).</li>
 *   <li>{@link dev.jmae.crossmae.train.PretrainEpoch}: one pretraining epoch (batches, masking
 *       noise, step records, progress); {@link dev.jmae.crossmae.train.Pretrainer}: the epoch loop,
 *       set-up and resume.</li>
 *   <li>{@link dev.jmae.crossmae.train.Evaluator}: test PSNR and the reconstruction grid;
 *       {@link dev.jmae.crossmae.train.RunCheckpoints}, {@link dev.jmae.crossmae.train.MetricsLog},
 *       {@link dev.jmae.crossmae.train.StepLog}, {@link dev.jmae.crossmae.train.EpochProgress},
 *       {@link dev.jmae.crossmae.train.LossPlot}, {@link dev.jmae.crossmae.train.RunDirectory}:
 *       what a run writes and shows.</li>
 *   <li>{@link dev.jmae.crossmae.train.Finetuner}: fine-tuning and the linear probe (set-up, the epoch
 *       loop, checkpoint-last/-best, resume); {@code TrainEpoch}: train_one_epoch for any per-batch
 *       loss; {@code ClassifierLoss}: mixup, drop path and the criterion; {@link
 *       dev.jmae.crossmae.train.ClassifierEvaluator}: top-1, top-5, loss; {@link
 *       dev.jmae.crossmae.train.AccuracyPlot}.</li>
 *   <li>{@link dev.jmae.crossmae.train.Ranks}: the run's place in a data-parallel job (rank 0
 *       writes, exact reductions of logged numbers, a rank's rows of global-batch randomness).</li>
 *   <li>{@link dev.jmae.crossmae.train.StepBenchmark}: step throughput and memory;
 *       {@link dev.jmae.crossmae.train.DistributedStepBenchmark}: data-parallel steps and their
 *       all-reduce overlap.</li>
 * </ul>
 */
package dev.jmae.crossmae.train;
