// Platform-free Compose: the same sources as the desktop build (pom.xml).
plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "fr.chevet.android.features.shell"
    compileSdk = 35
    defaultConfig { minSdk = 28 }
    sourceSets["main"].java.srcDirs("src/main/kotlin")
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation(project(":libraries:chevet"))
    implementation(project(":libraries:designsystem"))
    implementation(project(":libraries:chevetui"))
    implementation(project(":features:round"))
    implementation(project(":features:medication"))
    implementation(project(":features:handover"))
    implementation(project(":features:vitals"))
    implementation(project(":features:transmission"))
    implementation(project(":features:residentfile"))
    implementation(project(":features:scales"))
    implementation(project(":features:transfer"))
    implementation(project(":features:wounds"))
    implementation(project(":features:route"))
    implementation(project(":features:signin"))
    implementation(project(":features:syncstatus"))
    implementation(project(":features:enrolment"))
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.foundation)
    implementation(libs.androidx.compose.material3)
}
