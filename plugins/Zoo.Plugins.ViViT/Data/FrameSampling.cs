namespace Zoo.Plugins.ViViT.Data;

/// <summary>How n_t frames are picked from a clip of n frames.</summary>
public enum SamplingMode
{
    /// <summary>n_t frames spread evenly over the whole clip (ViViT, Sec. 3.2 "uniform frame sampling"): index floor((i + 0.5) n / n_t).</summary>
    Uniform,
    /// <summary>n_t consecutive frames <c>stride</c> apart (e.g. 32 frames at stride 2 in the ViViT experiments).</summary>
    Strided,
}

/// <summary>Frame sampling (uniform, strided). Deterministic (centred) for evaluation; a random generator gives training jitter.</summary>
public static class FrameSampling
{
    /// <summary>Indices of the sampled frames of a clip with <paramref name="available"/> frames.</summary>
    // random: null: deterministic (segment centres / centred window); else jittered for training.
    // clip: Named in errors.
    public static int[] Sample(SamplingMode mode, int available, int frames, int stride = 2, Random? random = null, string? clip = null)
    {
        if (frames <= 0) throw new ArgumentOutOfRangeException(nameof(frames), frames, "The number of frames to sample must be positive.");
        string who = clip is null ? "clip" : clip;
        return mode switch
        {
            SamplingMode.Uniform => Uniform(available, frames, random, who),
            SamplingMode.Strided => Strided(available, frames, stride, random, who),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
    }

    /// <summary>One frame from each of n_t equal segments: its centre, or a random frame of it when <paramref name="random"/> is given (TSN-style).</summary>
    public static int[] Uniform(int available, int frames, Random? random = null, string who = "clip")
    {
        if (available < frames)
            throw new InvalidDataException($"{who}: too few frames: {available} frame(s), uniform sampling needs at least {frames}.");
        var idx = new int[frames];
        for (int i = 0; i < frames; i++)
        {
            int start = (int)((long)i * available / frames), end = (int)((long)(i + 1) * available / frames);   // segment [start, end), never empty
            idx[i] = random is null ? (int)(((2L * i + 1) * available) / (2L * frames)) : start + random.Next(end - start);
        }
        return idx;
    }

    /// <summary>n_t frames <paramref name="stride"/> apart: a centred window, or a random start when <paramref name="random"/> is given.</summary>
    public static int[] Strided(int available, int frames, int stride, Random? random = null, string who = "clip")
    {
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride must be positive.");
        int span = (frames - 1) * stride + 1;
        if (available < span)
            throw new InvalidDataException($"{who}: too few frames: {available} frame(s), {frames} frames at stride {stride} need {span}.");
        int slack = available - span;
        int start = random is null ? slack / 2 : random.Next(slack + 1);
        return Enumerable.Range(0, frames).Select(i => start + i * stride).ToArray();
    }

    public static SamplingMode Parse(string s) => s.Trim().ToLowerInvariant() switch
    {
        "uniform" => SamplingMode.Uniform,
        "strided" or "stride" => SamplingMode.Strided,
        _ => throw new ArgumentException($"Frame sampling must be uniform or strided, got '{s}'."),
    };
}
